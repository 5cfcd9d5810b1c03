#pragma once
// The function runner: runs the functions this node registered on a pool of
// threads of its own, so that user code may block or run long without
// stalling CAF's scheduler. Calls beyond a function's max_concurrency wait in
// a queue, in arrival order.
#include <mn/value.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mn::actors {

/// One registered function.
struct function_entry {
  std::function<value(const value&)> body;
  std::chrono::milliseconds timeout{30000};
  uint32_t max_retries = 0;
  std::size_t max_concurrency = 0; // 0: no limit
};

/// The functions of this node; shared between the node (which registers) and
/// its runner (which runs). Thread-safe.
class function_table {
public:
  void put(const std::string& name, function_entry e) {
    std::lock_guard<std::mutex> guard{mu_};
    entries_[name] = std::make_shared<function_entry>(std::move(e));
  }
  std::shared_ptr<function_entry> find(const std::string& name) const {
    std::lock_guard<std::mutex> guard{mu_};
    auto i = entries_.find(name);
    return i == entries_.end() ? nullptr : i->second;
  }
  /// "name|timeout_ms|max_retries" of every function, sorted by name.
  std::vector<std::string> describe() const;

private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<function_entry>> entries_;
};

/// Spawns the runner of node `node_name` with `threads` worker threads.
/// Sending it an exit message stops it after the running calls finish (its
/// handler then waits for them on a scheduler thread: only at shutdown).
caf::actor spawn_function_runner(caf::actor_system& sys, std::string node_name,
                                 std::shared_ptr<function_table> table, std::size_t threads);

} // namespace mn::actors
