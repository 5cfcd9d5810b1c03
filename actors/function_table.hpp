#pragma once
// The functions a node registered: plain bodies (run on the worker pool) and
// actors (see <mn/actor_function.hpp>). Shared by the node (which registers),
// the runner and the worker pool (which run). Thread-safe.
#include <mn/value.hpp>

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mn::actors {

/// One registered function: a body run on the pool, or an actor (see
/// <mn/actor_function.hpp>).
struct function_entry {
  std::function<value(const value&)> body;
  caf::actor worker;
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
  /// Sends every actor function an exit message (the node stops).
  void stop_workers();
  /// "name|timeout_ms|max_retries" of every function, sorted by name.
  std::vector<std::string> describe() const;

private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<function_entry>> entries_;
};

} // namespace mn::actors
