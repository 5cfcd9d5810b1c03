#pragma once
// function_caller: what an mn::function_handle does (see <mn/function.hpp>).
#include "runtime/detail/cluster_view.hpp"

#include <mn/function.hpp>

#include <set>

namespace mn::detail {

class function_caller : public std::enable_shared_from_this<function_caller> {
public:
  function_caller(std::string name, call_options opts, cluster_view* view);
  value call(const value& arg) const;
  /// The actor form of call_async (see <mn/function.hpp>).
  void call_async(caf::event_based_actor* self, const value& arg,
                  std::function<void(value)> done,
                  std::function<void(const failure&)> err) const;
  std::vector<value> map(const std::vector<value>& inputs) const;
  /// Sends one call and does not wait for it (jobs). Errors: unknown_function,
  /// unavailable (no node that runs it could be reached).
  void send(const value& arg) const;
  const std::string& name() const noexcept { return name_; }
  const std::shared_ptr<node_state>& state() const noexcept { return state_; }
  /// Errors: unavailable once the node stopped. Holds the node open.
  std::shared_lock<std::shared_mutex> enter_public() const { return enter(); }

private:
  std::shared_lock<std::shared_mutex> enter() const;
  /// call() after `used` attempts, never again on the nodes in `avoid`.
  std::string call_encoded(const std::string& bytes, const function_info& info,
                           std::chrono::steady_clock::time_point deadline, uint32_t used,
                           std::set<std::string> avoid) const;
  std::string name_;
  call_options opts_;
  cluster_view* view_; // valid while state_ is not stopped
  std::shared_ptr<node_state> state_;
  // Round-robin among equally loaded nodes; every caller starts one step
  // further, so that short-lived handles spread too.
  mutable std::atomic<std::size_t> turn_{next_start()};
  static std::size_t next_start() {
    static std::atomic<std::size_t> starts{0};
    return starts++;
  }
};

} // namespace mn::detail
