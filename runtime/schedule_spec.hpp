#pragma once
// schedule_spec: when a scheduled task is due, an mn::every or an mn::cron
// (see <mn/schedule.hpp>), checked once and ready to compute due times; and
// the pure decision a node takes for a task at a given instant. No clock of
// its own: tests give it any instant.
#include "runtime/cron.hpp"
#include "storage/status.hpp"

#include <mn/schedule.hpp>

#include <optional>
#include <string>

namespace mn::detail {

class schedule_spec {
public:
  /// Errors (invalid_argument): an interval under 1 ms, naming it.
  static storage::status make(const every& e, schedule_spec& out);
  /// Errors: as cron_expression::parse.
  static storage::status make(const cron& c, schedule_spec& out);

  /// The first due time strictly after `t`.
  sys_time next_after(sys_time t) const;
  /// The latest due time at or before `t`; nullopt when there is none.
  std::optional<sys_time> latest_at_or_before(sys_time t) const;
  /// E.g. "every 1000 ms from 1970-01-01T00:00:00.000Z", "cron 0 23 * * 1-5 (UTC)".
  const std::string& describe() const noexcept { return text_; }

private:
  std::optional<cron_expression> cron_;
  std::chrono::milliseconds interval_{0};
  sys_time reference_{};
  std::string text_;
};

/// What a node should do for a task at `now` (see decide()).
struct due_decision {
  enum kind_t {
    wait,     ///< nothing is due: sleep until `wake`
    run,      ///< claim `period` and run it (on time, or catching up)
    miss,     ///< claim `period` only to count it as missed (policy skip)
    ignore,   ///< `period` is late and older than the task's record: not a miss
  } kind = wait;
  sys_time period{};
  sys_time wake{}; ///< for wait: the next due time
};

/// The decision for a task due per `spec` at `now`, given that this node has
/// dealt with every period up to `done` (inclusive; nullopt: none yet), that
/// the task exists since `created`, and its options. A period is on time
/// while `now` is within `grace` of it and before the next one; a period
/// that is not is missed (policy skip), or run once (catch_up_once). Only
/// the latest due period is ever considered: never a burst of old runs.
due_decision decide(const schedule_spec& spec, const schedule_options& opts, sys_time now,
                    std::optional<sys_time> done, sys_time created);

/// "2026-11-30T07:01:57.123Z".
std::string iso_utc(sys_time t);

} // namespace mn::detail
