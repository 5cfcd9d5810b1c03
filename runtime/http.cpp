#include <mn/http.hpp>

#include "storage/limits.hpp"

#include <mn/error.hpp>

#include <strings.h>

namespace mn {

std::string http_request::param(const std::string& name) const {
  auto i = params.find(name);
  return i == params.end() ? std::string{} : i->second;
}

std::optional<std::string> http_request::query_param(const std::string& name) const {
  auto i = query.find(name);
  if (i == query.end())
    return std::nullopt;
  return i->second;
}

std::optional<std::string> http_request::header(const std::string& name) const {
  for (auto& [k, v] : headers)
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0)
      return v;
  return std::nullopt;
}

value http_request::json() const {
  // The parser itself does not recurse, but printing or storing the value
  // does: refuse what no dict would take (storage::max_value_depth).
  bool too_deep = false;
  auto depth_check = [&too_deep](int depth, value::parse_event_t event, value&) {
    if ((event == value::parse_event_t::object_start || event == value::parse_event_t::array_start)
        && static_cast<std::size_t>(depth) >= storage::max_value_depth)
      too_deep = true;
    return !too_deep; // past the limit, keep nothing
  };
  value v;
  try {
    v = value::parse(body, depth_check);
  } catch (const value::exception& e) {
    throw invalid_argument(errc::invalid_argument,
                           std::string{"the request body is not valid JSON ("} + e.what()
                             + "); send a JSON value, e.g. 42, \"text\" or {\"a\": 1}");
  }
  if (too_deep)
    throw invalid_argument(errc::invalid_argument,
                           "the request body nests lists and maps deeper than "
                             + std::to_string(storage::max_value_depth)
                             + " levels; flatten it");
  return v;
}

http_response http_response::json(const value& v, int status) {
  http_response r;
  r.status = status;
  r.body = v.dump(-1, ' ', false, value::error_handler_t::replace);
  return r;
}

http_response http_response::text(std::string body, int status) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

http_response http_response::error(errc code, const std::string& message) {
  return json({{"error", to_string(code)}, {"message", message}}, http_status(code));
}

int http_status(errc code) noexcept {
  switch (code) {
    case errc::none: return 200;
    case errc::invalid_argument:
    case errc::key_too_long:
    case errc::value_too_large:
    case errc::invalid_name: return 400;
    case errc::key_missing:
    case errc::unknown_function:
    case errc::job_not_found: return 404;
    case errc::type_mismatch:
    case errc::overflow: return 409;
    case errc::unavailable: return 503;
    case errc::timeout: return 504;
    case errc::bad_config:
    case errc::storage_failure:
    case errc::corrupted:
    case errc::function_failed: return 500;
  }
  return 500;
}

} // namespace mn
