#pragma once
// Jobs: long-running work started by name, whose status and results anyone
// can look up later, from any process of the cluster.
//
//   node.register_job("train", [](mn::job_context& ctx, const mn::value& input) {
//     for (int epoch = 0; epoch < 10 && !ctx.cancelled(); ++epoch)
//       ctx.yield({{"epoch", epoch}});          // progress, visible to get() at once
//     return mn::value{{"accuracy", 0.93}};
//   });
//   mn::job_id id = node.job("train").start({{"lr", 0.1}});
//   mn::job_record r = node.job("train").get(id);   // r.status, r.result, ...
//
// Records live in the runtime's durable dict "__jobs", so they survive the
// caller's exit and any node restart. A job runs on a node that registered
// it, on that node's function threads (like a function with no timeout).
//
//   node.register_job("train", body, mn::job_options{/*max_retries*/ 1, /*max_concurrency*/ 2});
//
// Every node that registers a job should give it the same options (the same
// binary runs everywhere).
#include <mn/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mn {

namespace detail {
class job_caller;
} // namespace detail

using job_id = std::string;

enum class job_status { pending, running, succeeded, failed, cancelling, cancelled };

/// "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLING", "CANCELLED".
const char* to_string(job_status s) noexcept;

/// What get() tells of a job.
struct job_record {
  job_id id;
  std::string name;
  job_status status = job_status::pending;
  value input;
  value result;          ///< the last value yielded, or the return value
  std::string error;     ///< why it failed, when FAILED; else why an earlier attempt ended, if one did
  std::string node;      ///< the node that ran it
  uint32_t attempts = 0; ///< runs started, retries included
  int64_t created_ms = 0;  ///< Unix time, milliseconds
  int64_t started_ms = 0;  ///< 0 until it runs
  int64_t finished_ms = 0; ///< 0 until it ends
};

/// Given to a running job.
class job_context {
public:
  virtual ~job_context() = default;
  /// Publishes progress or a partial result; get() sees it at once (it is
  /// stored durably before yield returns).
  virtual void yield(const value& v) = 0;
  /// true once cancel() was asked: stop soon, cooperatively. Also true when
  /// this run was given up (its node was thought dead and the job was handed
  /// to another run): its yields and its result are then dropped.
  virtual bool cancelled() = 0;
  virtual const job_id& id() const = 0;
};

using job_body = std::function<value(job_context&, const value& input)>;

/// How the jobs of one name run, cluster-wide (node::register_job).
struct job_options {
  /// Times a job is run again when its node died or restarted while it ran
  /// (possibly on another node; the body must then tolerate a re-run). An
  /// exception from the body fails the job at once, without retry.
  uint32_t max_retries = 0;
  /// Jobs of this name RUNNING at once in the whole cluster; 0 = no limit, at
  /// most max_job_concurrency. Further starts stay PENDING and run later,
  /// oldest first.
  std::size_t max_concurrency = 0;
};

/// The largest job_options::max_concurrency: a start probes the slots one by one.
constexpr std::size_t max_job_concurrency = 1000;

/// A handle to the jobs of one name. Cheap to copy; thread-safe.
class job_handle {
public:
  /// Starts a job on a node that registered it; returns at once with its id.
  /// The job stays PENDING while its name's max_concurrency jobs run.
  /// Errors: mn::unknown_function (no node registered the job), mn::unavailable.
  job_id start(const value& input) const;
  /// The record of job `id`. Errors: mn::job_not_found.
  job_record get(const job_id& id) const;
  /// Asks job `id` to stop: PENDING becomes CANCELLED, RUNNING becomes
  /// CANCELLING until the job notices. false when it had already ended.
  /// Errors: mn::job_not_found.
  bool cancel(const job_id& id) const;
  /// The ids of every job of this name, oldest first.
  std::vector<job_id> list() const;
  /// Forgets the record of an ended job; false when it is still running.
  /// Errors: mn::job_not_found.
  bool remove(const job_id& id) const;

  explicit job_handle(std::shared_ptr<detail::job_caller> impl) : impl_(std::move(impl)) {}

private:
  std::shared_ptr<detail::job_caller> impl_;
};

} // namespace mn
