#pragma once
// job_caller: what an mn::job_handle does (see <mn/job.hpp> and jobs.cpp).
#include "runtime/function_caller.hpp"

#include <mn/dict.hpp>
#include <mn/job.hpp>

#include <functional>
#include <map>

namespace mn::detail {

/// The system dicts of jobs: the records ("__jobs"), the concurrency slots
/// ("__job_slots") and the line of jobs waiting for a slot ("__job_queue").
struct job_dicts {
  dict jobs;
  dict slots;
  dict queue;
};

/// Sends {"id": ID} to the hidden function "__job:<name>" on a node that
/// registered it, without waiting. Errors: as function_caller::send.
using job_dispatch = std::function<void(const std::string& name, const value& arg)>;

/// What a reaper pass needs of its node.
struct reap_context {
  std::string self;            ///< this node's name
  int64_t self_started_ms = 0; ///< when this node started (Unix ms)
  std::function<bool(const std::string&)> is_dead;
  job_dispatch dispatch;
  std::map<std::string, job_options> registered; ///< the jobs this node registered
};

class job_caller {
public:
  job_caller(std::string name, job_dicts dicts, std::shared_ptr<function_caller> runner);
  job_id start(const value& input) const;
  job_record get(const job_id& id) const;
  bool cancel(const job_id& id) const;
  std::vector<job_id> list() const;
  bool remove(const job_id& id) const;

  /// Errors: mn::invalid_argument when `opts` cannot be honoured.
  static void check(const std::string& name, const job_options& opts);

  /// The body of the hidden function "__job:<name>" that runs `body` on node
  /// `node_name` under `opts`, keeping the record up to date. With a
  /// max_concurrency it runs the oldest waiting job of the name once it holds
  /// a slot, and wakes the next one through `dispatch` when it ends.
  static function_body runner_body(job_dicts dicts, std::string name, job_body body,
                                   job_options opts, std::string node_name,
                                   job_dispatch dispatch);

  /// One pass of the reaper:
  ///  - every RUNNING or CANCELLING record whose node is `self` but that
  ///    started before `self_started_ms` (the node restarted under it), or
  ///    whose node `is_dead` says is gone, becomes CANCELLED when it was
  ///    cancelling, PENDING again (and dispatched) while its attempts are
  ///    within its max_retries, else FAILED, with the reason;
  ///  - for the jobs registered here: PENDING jobs with a max_concurrency are
  ///    put in the waiting line if missing, slots held by jobs that no longer
  ///    run are freed, and waiting jobs are dispatched when slots are free.
  /// Returns how many records it changed.
  static std::size_t reap(job_dicts& dicts, const reap_context& c);

private:
  std::string name_;
  mutable job_dicts dicts_;
  std::shared_ptr<function_caller> runner_;
};

} // namespace mn::detail
