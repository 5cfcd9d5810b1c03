#pragma once
// Functions: application code registered by name on the nodes that run it (the
// same binary runs everywhere) and called from any process of the cluster.
//
//   node.register_function("square", [](const mn::value& x) { return x.get<int64_t>() * x.get<int64_t>(); },
//                          mn::function_options{std::chrono::seconds(5), 2, 4});
//   mn::value r = node.function("square").call(7);               // 49
//   std::vector<mn::value> rs = node.function("square").map({1, 2, 3});   // {1, 4, 9}
//
// A call goes to a node that registered the function, the one with the fewest
// calls in flight from this process (or this node first, with prefer_local).
// Bodies run on the node's function threads (node_options::function_threads),
// never on CAF's scheduler, so they may block or run long. A function may also
// be an actor (<mn/actor_function.hpp>).
//
// A blocking call to another node goes over the fast path (runtime/wire) when
// the node has one, else over CAF; a call to this node goes to its runner
// directly.
#include <mn/error.hpp>
#include <mn/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace caf {
class event_based_actor;
} // namespace caf

namespace mn {

namespace detail {
class function_caller;
} // namespace detail

/// How a function runs. The caller's process learns these from the node that
/// registered it.
struct function_options {
  /// Longest time a call may take, measured from the call (queueing, retries
  /// and the run itself); then mn::timeout. A body still running then is not
  /// interrupted: its result is dropped. A call from a body (or a scheduled
  /// task) to a function of the same node runs on the caller's thread, so
  /// that bodies waiting for bodies never exhaust the function threads; its
  /// timeout is then not enforced.
  std::chrono::milliseconds timeout{30000};
  /// Times a failed call (the body threw, or its node was unreachable) runs
  /// again, possibly on another node. The body must then be idempotent.
  uint32_t max_retries = 0;
  /// Calls running at once on one node; more wait in arrival order. 0: no limit.
  std::size_t max_concurrency = 0;
};

/// The body of a function: takes and returns an mn::value; may throw (the
/// caller gets mn::function_error with the message and the node).
using function_body = std::function<value(const value&)>;

/// How this caller picks nodes.
struct call_options {
  /// Run on this node when it registered the function.
  bool prefer_local = false;
};

/// A callable handle to a function of the cluster. Cheap to copy; thread-safe.
class function_handle {
public:
  /// Runs the function on `arg` and returns its result. Errors:
  /// mn::unknown_function (no node registered it), mn::function_error (it
  /// threw, after its retries), mn::timeout, mn::unavailable.
  value call(const value& arg) const;
  /// Starts call() and returns at once; the future gives its result or
  /// throws its error. No thread is taken while the call runs.
  std::future<value> call_async(const value& arg) const;
  /// The form for event-based actors: sends the call and returns at once;
  /// `done` or `err` runs later on `self`, never concurrently with its other
  /// handlers. Never blocks `self` (a lookup that would block, such as a first
  /// call to a node not yet connected, runs on a thread of its own).
  /// REQUIRES: `self` is the calling actor and outlives the call.
  void call_async(caf::event_based_actor* self, const value& arg,
                  std::function<void(value)> done, std::function<void(const failure&)> err) const;
  /// Calls the function on every input in parallel across the nodes that run
  /// it; results in input order. Errors: as call(), for the first input that
  /// failed after its retries (the other results are dropped).
  std::vector<value> map(const std::vector<value>& inputs) const;
  /// map() where each call gets a list of arguments (passed as a list value).
  std::vector<value> starmap(const std::vector<std::vector<value>>& args) const;

  const std::string& name() const;

  explicit function_handle(std::shared_ptr<detail::function_caller> impl)
    : impl_(std::move(impl)) {}

private:
  std::shared_ptr<detail::function_caller> impl_;
};

} // namespace mn
