#include "runtime/http_router.hpp"

#include <mn/error.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace mn::runtime {

namespace {

const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE", "PATCH"};

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// "/a/b" -> {"a", "b"}; "/" -> {""}. REQUIRES: path starts with '/'.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  for (;;) {
    auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos)
      return out;
    start = slash + 1;
  }
}

bool valid_param_name(const std::string& name) {
  if (name.empty())
    return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
}

[[noreturn]] void bad_route(const std::string& method, const std::string& pattern,
                            const std::string& why) {
  throw invalid_argument(errc::invalid_argument,
                         "http_route " + method + " '" + pattern + "': " + why);
}

} // namespace

bool url_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) // fewer than two characters follow
        return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

void http_router::add(const std::string& method_in, const std::string& pattern,
                      http_handler handler) {
  std::string method = method_in;
  for (auto& c : method)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (method == "HEAD")
    bad_route(method_in, pattern, "HEAD requests are served by the GET route; register GET");
  if (std::find(methods.begin(), methods.end(), method) == methods.end())
    bad_route(method_in, pattern, "unknown method; use GET, POST, PUT, DELETE or PATCH");
  if (!handler)
    bad_route(method_in, pattern, "the handler is empty");
  if (pattern.empty() || pattern.front() != '/')
    bad_route(method_in, pattern, "the pattern must start with '/'");
  if (pattern.find_first_of("?#%") != std::string::npos)
    bad_route(method_in, pattern, "the pattern must not contain '?', '#' or '%'");
  route r;
  r.method = method;
  std::vector<std::string> names;
  for (auto part : split_path(pattern)) {
    segment s;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      s.param = true;
      s.text = std::string{part.substr(1, part.size() - 2)};
      if (!valid_param_name(s.text))
        bad_route(method_in, pattern,
                  "parameter '{" + s.text + "}' needs a name of letters, digits and '_'");
      if (std::find(names.begin(), names.end(), s.text) != names.end())
        bad_route(method_in, pattern, "parameter '{" + s.text + "}' appears twice");
      names.push_back(s.text);
    } else {
      if (part.find_first_of("{}") != std::string_view::npos)
        bad_route(method_in, pattern,
                  "a segment is either literal text or a whole {name}, not '"
                    + std::string{part} + "'");
      s.text = std::string{part};
    }
    r.segments.push_back(std::move(s));
  }
  r.handler = std::make_shared<const http_handler>(std::move(handler));
  std::unique_lock<std::shared_mutex> guard{mu_};
  for (auto& old : routes_) {
    if (old.method != r.method || old.segments.size() != r.segments.size())
      continue;
    bool same = true;
    for (std::size_t i = 0; same && i < r.segments.size(); ++i)
      same = old.segments[i].param == r.segments[i].param
             && (r.segments[i].param || old.segments[i].text == r.segments[i].text);
    if (same) {
      old = std::move(r);
      return;
    }
  }
  routes_.push_back(std::move(r));
}

http_response
http_router::dispatch(std::string method, const std::string& target, std::string body,
                      std::vector<std::pair<std::string, std::string>> headers) const {
  http_request req;
  req.method = method == "HEAD" ? "GET" : std::move(method);
  auto question = target.find('?');
  req.path = target.substr(0, question);
  if (req.path.empty() || req.path.front() != '/')
    return http_response::error(errc::invalid_argument,
                                "the request target must start with '/'");
  std::vector<std::string> segments;
  for (auto part : split_path(req.path)) {
    std::string decoded;
    if (!url_decode(part, false, decoded))
      return http_response::error(errc::invalid_argument,
                                  "malformed %-escape in the path; write each byte as %XX");
    segments.push_back(std::move(decoded));
  }
  if (question != std::string::npos) {
    std::string_view query{target};
    query.remove_prefix(question + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto item = query.substr(0, amp);
      query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
      if (item.empty())
        continue;
      auto eq = item.find('=');
      std::string name;
      std::string value;
      if (!url_decode(item.substr(0, eq), true, name)
          || (eq != std::string_view::npos && !url_decode(item.substr(eq + 1), true, value)))
        return http_response::error(errc::invalid_argument,
                                    "malformed %-escape in the query; write each byte as %XX");
      req.query.emplace(std::move(name), std::move(value)); // the first value stays
    }
  }
  req.body = std::move(body);
  req.headers = std::move(headers);
  // The best route: among those of this method whose shape matches, the one
  // with a literal where the others have a parameter, earliest segment first.
  std::shared_ptr<const http_handler> handler;
  std::vector<std::string> allowed;
  {
    std::shared_lock<std::shared_mutex> guard{mu_};
    const route* best = nullptr;
    for (auto& r : routes_) {
      if (r.segments.size() != segments.size())
        continue;
      bool match = true;
      for (std::size_t i = 0; match && i < segments.size(); ++i)
        match = r.segments[i].param || r.segments[i].text == segments[i];
      if (!match)
        continue;
      if (r.method != req.method) {
        if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end())
          allowed.push_back(r.method);
        continue;
      }
      if (best != nullptr) {
        bool better = false;
        for (std::size_t i = 0; i < segments.size(); ++i)
          if (best->segments[i].param != r.segments[i].param) {
            better = !r.segments[i].param;
            break;
          }
        if (!better)
          continue;
      }
      best = &r;
    }
    if (best != nullptr) {
      handler = best->handler;
      for (std::size_t i = 0; i < segments.size(); ++i)
        if (best->segments[i].param)
          req.params[best->segments[i].text] = segments[i];
    }
  }
  if (!handler && !allowed.empty()) {
    std::sort(allowed.begin(), allowed.end());
    std::string allow;
    for (auto& m : allowed)
      allow += (allow.empty() ? "" : ", ") + m;
    auto res = http_response::json(
      {{"error", "method_not_allowed"},
       {"message", req.method + " is not served at this path; use " + allow}},
      405);
    res.headers.emplace_back("Allow", allow);
    return res;
  }
  if (!handler)
    return http_response::json({{"error", "not_found"},
                                {"message", "no endpoint at " + req.path
                                              + " (encode '/' inside a key as %2F); see the "
                                                "HTTP section of README.md"}},
                               404);
  try {
    return (*handler)(req);
  } catch (const mn::error& e) {
    return http_response::error(e.code(), e.what());
  } catch (const std::exception& e) {
    return http_response::json({{"error", "internal"}, {"message", e.what()}}, 500);
  } catch (...) {
    return http_response::json({{"error", "internal"}, {"message", "unknown exception"}}, 500);
  }
}

} // namespace mn::runtime
