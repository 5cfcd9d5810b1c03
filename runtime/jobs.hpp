#pragma once
// job_caller: what an mn::job_handle does (see <mn/job.hpp> and jobs.cpp).
#include "runtime/function_caller.hpp"

#include <mn/dict.hpp>
#include <mn/job.hpp>

namespace mn::detail {

class job_caller {
public:
  job_caller(std::string name, dict jobs, std::shared_ptr<function_caller> runner);
  job_id start(const value& input) const;
  job_record get(const job_id& id) const;
  bool cancel(const job_id& id) const;
  std::vector<job_id> list() const;
  bool remove(const job_id& id) const;

  /// The body of the hidden function "__job:<name>" that runs `body` on node
  /// `node_name`, keeping the record in `jobs` up to date.
  static function_body runner_body(dict jobs, job_body body, std::string node_name);

  /// One pass of the reaper: every RUNNING or CANCELLING record whose node is
  /// `self` but that started before `self_started_ms` (the node restarted
  /// under it), or whose node `is_dead` says is gone, becomes FAILED (or
  /// CANCELLED when it was cancelling), with the reason. Returns how many.
  static std::size_t reap(dict& jobs, const std::string& self, int64_t self_started_ms,
                          const std::function<bool(const std::string&)>& is_dead);

private:
  std::string name_;
  mutable dict jobs_;
  std::shared_ptr<function_caller> runner_;
};

} // namespace mn::detail
