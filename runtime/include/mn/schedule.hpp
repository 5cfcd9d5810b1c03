#pragma once
// Scheduled tasks: periodic work that runs once per period in the whole
// cluster, however many nodes register it (the same binary runs everywhere).
//
//   node.schedule("extract_summaries", mn::every(std::chrono::hours(24), reference),
//                 [](mn::schedule_context& ctx) { /* may use dicts, functions, jobs */ });
//   node.schedule("report", mn::cron("0 23 * * 1-5", "Europe/Berlin"), body);
//   for (auto& s : node.schedules()) ...   // next due, last run, outcome, node
//
// Each period is claimed atomically in the system dict "__schedule_claims"
// (set_if_absent on the task's name and period); only the claimer runs it.
// What happened (last run, outcome, node, next due time) is kept durably in
// "__schedules", so it survives restarts of any node. Bodies run on the
// node's function threads (not on CAF's scheduler): they may block, use
// dicts, call functions and start jobs.
#include <mn/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace mn {

using sys_time = std::chrono::system_clock::time_point;

/// Runs at reference + k * interval, for every integer k (interval >= 1 ms).
struct every {
  every(std::chrono::milliseconds interval, sys_time reference = sys_time{})
    : interval(interval), reference(reference) {}
  std::chrono::milliseconds interval;
  sys_time reference;
};

/// A standard 5-field cron expression: minute hour day-of-month month
/// day-of-week, with lists (1,2), ranges (1-5), steps (*/15, 10-50/20), month
/// and day names (JAN, MON), 0 or 7 for Sunday, and @hourly, @daily (or
/// @midnight), @weekly, @monthly, @yearly (or @annually). When both
/// day-of-month and day-of-week are restricted, either matching is enough (as
/// in Vixie cron). Times are in `time_zone` (an IANA name such as
/// "America/New_York"; "UTC" by default). Across DST changes: a time that a
/// spring-forward skips runs at the end of the gap; a time that a fall-back
/// repeats runs once, at its first occurrence.
struct cron {
  explicit cron(std::string expression, std::string time_zone = "UTC")
    : expression(std::move(expression)), time_zone(std::move(time_zone)) {}
  std::string expression;
  std::string time_zone;
};

/// What to do about periods nobody ran on time (the whole cluster was down,
/// or the claim dict could not be reached).
enum class missed_policy {
  skip,          ///< forget them; run at the next period
  catch_up_once, ///< run once for the latest missed period, at once; never more
};

/// What to do when a period starts while the previous run still goes.
enum class overlap_policy {
  skip,  ///< this period does not run (recorded as skipped)
  allow, ///< it runs alongside
};

struct schedule_options {
  missed_policy missed = missed_policy::skip;
  overlap_policy overlap = overlap_policy::skip;
  /// Times a failed run (the body threw) runs again at once, on the same node.
  uint32_t max_retries = 0;
  /// How late a period may still start and count as on time; later (or once
  /// the next period is due), it is a missed period.
  std::chrono::milliseconds grace{60000};
};

/// Given to a running body.
class schedule_context {
public:
  virtual ~schedule_context() = default;
  /// The task's name.
  virtual const std::string& name() const = 0;
  /// The period this run is for (its due time), not the time it started.
  virtual sys_time scheduled_time() const = 0;
  /// 1 for the first run of the period, 2 for its first retry, ...
  virtual uint32_t attempt() const = 0;
};

/// The body of a scheduled task; throw to fail the run (its message is kept).
using schedule_body = std::function<void(schedule_context&)>;

/// What schedules() tells of one task.
struct schedule_info {
  std::string name;
  std::string spec;        ///< e.g. "every 1000 ms from 1970-01-01T00:00:00Z", "cron 0 23 * * 1-5 (UTC)"
  int64_t next_due_ms = 0; ///< Unix ms
  int64_t last_run_ms = 0; ///< the period of the last run (Unix ms), 0 if none
  int64_t last_started_ms = 0;
  int64_t last_finished_ms = 0;
  std::string last_outcome; ///< "", "succeeded", "failed: <why>", "skipped: <why>"
  std::string last_node;    ///< the node that ran (or skipped) the last period
  uint32_t last_attempts = 0;
  bool running = false;     ///< a run is going now
  std::string running_node; ///< where, when running
  uint64_t runs = 0;        ///< periods run so far (succeeded or failed)
  uint64_t skipped = 0;     ///< periods skipped because a run still went
  uint64_t missed = 0;      ///< times a due period was found already past its grace
};

} // namespace mn
