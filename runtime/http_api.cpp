#include "runtime/http_api.hpp"

#include "runtime/metrics.hpp"

#include <mn/error.hpp>

#include <cctype>
#include <memory>

namespace mn::runtime {

namespace {

const std::string& key_of(const http_request& req) {
  return req.params.at("key");
}

// The body parsed as a JSON value; an empty body is an error.
value body_value(const http_request& req) {
  return req.json();
}

bool blank(const std::string& s) {
  for (unsigned char c : s)
    if (!std::isspace(c))
      return false;
  return true;
}

value parse_query_json(const http_request& req, const std::string& name) {
  auto text = req.query_param(name);
  try {
    return value::parse(*text);
  } catch (const value::exception& e) {
    throw invalid_argument(errc::invalid_argument,
                           "query parameter '" + name + "' is not valid JSON (" + e.what()
                             + "); e.g. ?" + name + "=0");
  }
}

std::size_t parse_limit(const http_request& req) {
  auto text = req.query_param("limit");
  if (!text)
    return http_keys_default_limit;
  std::size_t n = 0;
  bool ok = !text->empty() && text->size() <= 6;
  for (unsigned char c : *text)
    ok = ok && std::isdigit(c);
  if (ok)
    n = std::stoul(*text);
  if (!ok || n == 0 || n > http_keys_max_limit)
    throw invalid_argument(errc::invalid_argument,
                           "limit must be a number from 1 to "
                             + std::to_string(http_keys_max_limit) + " (got '" + *text + "')");
  return n;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// GET /dicts/{name}: keys ascending by bytes, `limit` at a time. Keys with
// `prefix` are contiguous in that order, so the page stops at the first key
// past them. One more key than asked is fetched, so that "next" is null
// exactly when nothing follows.
http_response list_keys(const http_api_hooks& h, const http_request& req) {
  auto d = h.get_dict(req.param("name"));
  auto limit = parse_limit(req);
  auto prefix = req.query_param("prefix").value_or("");
  auto cursor = req.query_param("after").value_or("");
  std::vector<std::string> keys;
  if (!prefix.empty() && cursor < prefix) {
    // keys_page gives keys strictly after its cursor: the prefix itself may be a key.
    if (d.contains(prefix))
      keys.push_back(prefix);
    cursor = prefix;
  }
  for (auto& k : d.keys_page(cursor, limit + 1 - keys.size())) {
    if (!starts_with(k, prefix))
      break; // past the keys with the prefix
    keys.push_back(std::move(k));
  }
  value next = nullptr;
  if (keys.size() > limit) {
    keys.resize(limit);
    next = keys.back();
  }
  return http_response::json({{"keys", keys}, {"next", next}});
}

http_response healthz(const http_api_hooks& h) {
  if (h.stopping())
    return http_response::json({{"status", "stopping"}, {"node", h.node_name}}, 503);
  value members = value::array();
  for (auto& m : h.members()) {
    value x = {{"name", m.member.name}, {"up", m.up}};
    if (!m.member.host.empty())
      x["address"] = m.member.host + ":" + std::to_string(m.member.port);
    if (!m.up)
      x["error"] = m.error;
    members.push_back(std::move(x));
  }
  return http_response::json({{"status", "ok"}, {"node", h.node_name}, {"members", members}});
}

} // namespace

bool is_builtin_prefix(const std::string& first) {
  return first == "dicts" || first == "healthz" || first == "metrics";
}

void add_builtin_routes(http_router& r, http_api_hooks hooks) {
  auto h = std::make_shared<const http_api_hooks>(std::move(hooks));
  r.add("GET", "/dicts/{name}/{key}", [h](const http_request& req) {
    auto d = h->get_dict(req.param("name"));
    auto v = d.get(key_of(req));
    if (!v)
      return http_response::error(errc::key_missing, "key '" + key_of(req).substr(0, 100)
                                                       + "' is not in dict '" + d.name() + "'");
    return http_response::json(*v);
  });
  r.add("PUT", "/dicts/{name}/{key}", [h](const http_request& req) {
    auto v = body_value(req);
    h->get_dict(req.param("name")).set(key_of(req), v);
    return http_response::json({{"ok", true}});
  });
  r.add("DELETE", "/dicts/{name}/{key}", [h](const http_request& req) {
    auto deleted = h->get_dict(req.param("name")).erase(key_of(req));
    return http_response::json({{"deleted", deleted}});
  });
  r.add("POST", "/dicts/{name}/{key}/incr", [h](const http_request& req) {
    value delta = blank(req.body) ? value(1) : body_value(req);
    auto d = h->get_dict(req.param("name"));
    if (!req.query_param("initial"))
      return http_response::json(d.increment(key_of(req), delta));
    auto initial = parse_query_json(req, "initial");
    return http_response::json(d.increment(key_of(req), delta, initial));
  });
  r.add("POST", "/dicts/{name}/{key}/cas", [h](const http_request& req) {
    auto body = body_value(req);
    if (!body.is_object() || !body.contains("new") || !body.contains("expected"))
      throw invalid_argument(errc::invalid_argument,
                             "cas needs a body {\"new\": V, \"expected\": V}");
    auto d = h->get_dict(req.param("name"));
    auto applied = d.update(key_of(req), body["new"], body["expected"]);
    return http_response::json({{"applied", applied}});
  });
  r.add("POST", "/dicts/{name}/{key}/setnx", [h](const http_request& req) {
    auto v = body_value(req);
    auto applied = h->get_dict(req.param("name")).set_if_absent(key_of(req), v);
    return http_response::json({{"applied", applied}});
  });
  r.add("GET", "/dicts/{name}", [h](const http_request& req) { return list_keys(*h, req); });
  r.add("GET", "/healthz", [h](const http_request&) { return healthz(*h); });
  r.add("GET", "/metrics", [h](const http_request&) {
    auto res = http_response::text(h->metrics_text());
    res.content_type = metrics::content_type;
    return res;
  });
}

} // namespace mn::runtime
