#pragma once
// What callers of functions need of their node or client (node_impl
// implements it): the members, their node actors, which of them run a
// function, and the calls in flight to each.
#include "runtime/detail/dict_handle.hpp"

#include <mn/node_options.hpp>

#include <atomic>
#include <string>
#include <vector>

namespace mn::detail {

/// A function as a node describes it (function_runner's flist).
struct function_info {
  std::vector<std::string> nodes; // members that registered it
  std::chrono::milliseconds timeout{30000};
  uint32_t max_retries = 0;
};

class cluster_view {
public:
  virtual ~cluster_view() = default;
  virtual const std::shared_ptr<node_state>& state() const = 0;
  /// This process's node name; empty for a client.
  virtual std::string self_name() const = 0;
  /// The node actor of member `node`, connecting (bounded) if needed.
  virtual storage::status node_actor(const std::string& node, caf::actor& out) = 0;
  /// Forget a cached connection after a failure.
  virtual void forget(const std::string& node) = 0;
  /// Who runs `function`. Errors: unknown_function (nobody reachable does).
  virtual storage::status find_function(const std::string& function, function_info& out) = 0;
  /// Calls in flight from this process to `node`.
  virtual std::atomic<int>& in_flight(const std::string& node) = 0;
  /// Runs `function` on this node's runner without CAF messages between
  /// threads: `arg` bytes in, `out` bytes back, waiting at most `timeout`.
  /// Errors: the function's (function_failed, unknown_function), timeout,
  /// unavailable (this process runs no node, or it is stopping).
  virtual storage::status call_local(const std::string& function, std::string arg,
                                     std::chrono::milliseconds timeout, std::string& out) = 0;
  /// The fast path to member `node` once its port is known, else nullptr.
  virtual std::shared_ptr<wire::endpoint> fast_path_to(const std::string& node) = 0;
  /// Non-blocking lookups for actors: true when the answer is known without
  /// asking any node (recent function list, connected node actor).
  virtual bool cached_function(const std::string& function, function_info& out) = 0;
  virtual bool cached_node_actor(const std::string& node, caf::actor& out) = 0;
};

} // namespace mn::detail
