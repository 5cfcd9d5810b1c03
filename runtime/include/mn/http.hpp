#pragma once
// HTTP endpoints of an application, served by its node on the --http port
// (node_options::http) next to the built-in API (/dicts, /healthz, /metrics;
// see README.md, "HTTP"). Register them with node::http_route:
//
//   node.http_route("GET", "/users/{id}/score", [&](const mn::http_request& req) {
//     auto d = node.get_dict("scores");
//     return mn::http_response::json(d.at(req.param("id")));   // 404 when missing
//   });
//
// Contract of a route:
// - Pattern: "/" followed by segments separated by '/'; a segment is either
//   literal text or "{name}" (letters, digits, '_'), which matches one whole
//   path segment (possibly empty) and is handed over URL-decoded (so "%2F"
//   arrives as '/', "%20" as ' '; '+' stays '+'). Literal segments match the
//   decoded segment exactly. A malformed %-escape in the path gives 400.
//   Where two routes match, the one whose first differing segment is literal
//   wins. Routing never looks at the query.
// - Methods: GET, HEAD (served by the GET route, without a body), POST, PUT,
//   DELETE, PATCH. A path that matches a route of another method only gets 405.
// - Handlers run on the HTTP server's threads (8), several at once: they may
//   block and use the blocking API (mn::dict, functions, jobs), and must be
//   thread-safe. A handler that is still running when the node stops delays
//   its stop.
// - Errors: a handler that throws an mn::error is answered with
//   http_response::error(code, what()) (see http_status); any other exception
//   gives 500 {"error": "internal", "message": what()}. Unknown paths give 404
//   {"error": "not_found"}; bodies over 64 MiB give 413.
// This header does not depend on any HTTP library.
#include <mn/errc.hpp>
#include <mn/value.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mn {

/// One request as a route handler sees it.
struct http_request {
  /// "GET", "POST", ... (HEAD is handed over as "GET").
  std::string method;
  /// The path as sent, still URL-encoded, without the query ("/users/a%20b").
  std::string path;
  /// The {name} segments of the route's pattern, URL-decoded.
  std::map<std::string, std::string> params;
  /// The query parameters, URL-decoded ('+' is a space there); a name given
  /// twice keeps its first value.
  std::map<std::string, std::string> query;
  /// The request body, as sent.
  std::string body;
  /// The request headers as sent (names as the client spelled them).
  std::vector<std::pair<std::string, std::string>> headers;

  /// The path parameter `name`; "" when the pattern has none of that name.
  std::string param(const std::string& name) const;
  /// The query parameter `name`, or std::nullopt.
  std::optional<std::string> query_param(const std::string& name) const;
  /// The first header called `name` (any case), or std::nullopt.
  std::optional<std::string> header(const std::string& name) const;
  /// The body parsed as JSON. Errors: mn::invalid_argument (answered 400) when
  /// it is not valid JSON, or nests lists and maps deeper than 512 levels.
  value json() const;
};

/// What a route handler answers.
struct http_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  /// More headers to send (Content-Type and Content-Length are set for you).
  std::vector<std::pair<std::string, std::string>> headers;

  /// `v` as JSON. Strings that are not valid UTF-8 have those bytes replaced
  /// by U+FFFD.
  static http_response json(const value& v, int status = 200);
  /// Plain text.
  static http_response text(std::string body, int status = 200);
  /// {"error": "<to_string(code)>", "message": message} with http_status(code).
  static http_response error(errc code, const std::string& message);
};

/// The HTTP status of an error code: 400 invalid_argument, key_too_long,
/// value_too_large, invalid_name; 404 key_missing, unknown_function,
/// job_not_found; 409 type_mismatch, overflow; 503 unavailable; 504 timeout;
/// 500 for the rest (storage_failure, corrupted, bad_config, function_failed).
int http_status(errc code) noexcept;

/// A route handler (see the contract above).
using http_handler = std::function<http_response(const http_request&)>;

} // namespace mn
