#pragma once
// function_caller: what an mn::function_handle does (see <mn/function.hpp>).
#include "runtime/detail/cluster_view.hpp"

#include <mn/function.hpp>

namespace mn::detail {

class function_caller {
public:
  function_caller(std::string name, call_options opts, cluster_view* view);
  value call(const value& arg) const;
  std::vector<value> map(const std::vector<value>& inputs) const;
  /// Sends one call and does not wait for it (jobs). Errors: unknown_function,
  /// unavailable (no node that runs it could be reached).
  void send(const value& arg) const;
  const std::string& name() const noexcept { return name_; }

private:
  std::shared_lock<std::shared_mutex> enter() const;
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
