#pragma once
// runtime::http_router: the routes of a node's HTTP server (built-in and the
// application's, see <mn/http.hpp> for the contract) and the dispatch of one
// request to them. No HTTP library here: the server (http_server.cpp) hands
// over method, target, body and headers, and sends back what dispatch answers.
//
//   target  := path [ "?" query ]
//   path    := "/" segment *( "/" segment )      ; each segment URL-decoded
//   query   := name "=" value *( "&" name "=" value )  ; '+' = space there
//   pattern := "/" pseg *( "/" pseg ),  pseg := literal | "{" name "}"
#include <mn/http.hpp>

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mn::runtime {

/// Decodes %XX escapes of `in` into `out`; with `plus_is_space`, '+' becomes
/// ' ' (query strings). false, with `out` unspecified, on a malformed escape.
bool url_decode(std::string_view in, bool plus_is_space, std::string& out);

class http_router {
public:
  /// Adds the route, or replaces the handler of a route with the same method
  /// and the same shape of pattern. Thread-safe; may be called while serving.
  /// Errors: mn::invalid_argument naming what is wrong with method or pattern.
  void add(const std::string& method, const std::string& pattern, http_handler handler);

  /// Runs the handler of the best route for `method` and `target` and answers
  /// what it answers; never throws (see the error contract in <mn/http.hpp>).
  http_response dispatch(std::string method, const std::string& target, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers) const;

private:
  struct segment {
    bool param = false;
    std::string text; // the literal, or the parameter's name
  };
  struct route {
    std::string method;
    std::vector<segment> segments;
    std::shared_ptr<const http_handler> handler;
  };

  mutable std::shared_mutex mu_; // guards routes_
  std::vector<route> routes_;
};

} // namespace mn::runtime
