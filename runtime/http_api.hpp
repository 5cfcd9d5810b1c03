#pragma once
// The built-in HTTP API of a node (see README.md, "HTTP"):
//
//   GET    /dicts/{name}/{key}          200 the value; 404 key_missing
//   PUT    /dicts/{name}/{key}          body: the value; 200 {"ok": true}
//   DELETE /dicts/{name}/{key}          200 {"deleted": bool}
//   POST   /dicts/{name}/{key}/incr     body: the delta (optional, default 1),
//                                       ?initial=V for a missing key; 200 the new value
//   POST   /dicts/{name}/{key}/cas      body: {"new": V, "expected": V}; 200 {"applied": bool}
//   POST   /dicts/{name}/{key}/setnx    body: the value; 200 {"applied": bool}
//   GET    /dicts/{name}?prefix=&after=&limit=
//                                       200 {"keys": [...], "next": KEY or null}
//   GET    /healthz                     200 (503 while stopping) with the members
//   GET    /metrics                     Prometheus text format 0.0.4
//
// Every dict call goes through the blocking API (mn::dict), so HTTP sees the
// same semantics, errors and durability as C++ callers; request bodies are
// parsed before anything is written, so bad input never changes a dict.
#include "runtime/http_router.hpp"

#include <mn/cluster_info.hpp>
#include <mn/dict.hpp>

#include <functional>
#include <string>
#include <vector>

namespace mn::runtime {

/// What the built-in routes need of their node.
struct http_api_hooks {
  std::string node_name;
  /// A user dict by name. Errors: as node::get_dict.
  std::function<dict(const std::string&)> get_dict;
  /// Every member with whether it answers (node::member_statuses).
  std::function<std::vector<member_status>()> members;
  /// true once the node has begun to stop.
  std::function<bool()> stopping;
  /// The text of GET /metrics.
  std::function<std::string()> metrics_text;
};

/// Default and largest `limit` of GET /dicts/{name}.
inline constexpr std::size_t http_keys_default_limit = 100;
inline constexpr std::size_t http_keys_max_limit = 10000;

/// Adds the built-in routes to `r`.
void add_builtin_routes(http_router& r, http_api_hooks hooks);

/// The first path segments the built-in API owns ("dicts", "healthz",
/// "metrics"): applications cannot add routes under them.
bool is_builtin_prefix(const std::string& first_segment);

} // namespace mn::runtime
