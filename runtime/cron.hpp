#pragma once
// cron_expression: a standard 5-field cron expression (see mn::cron in
// <mn/schedule.hpp> for the syntax) in an IANA time zone, and the times it
// matches. Pure: no clock of its own, so tests give it any instant.
#include "storage/status.hpp"

#include <mn/schedule.hpp>

#include <bitset>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace date {
class time_zone;
} // namespace date

namespace mn::detail {

class cron_expression {
public:
  /// Parses `c`. Errors (invalid_argument), each naming the expression and
  /// the bad part: a wrong number of fields; a field that is not a list of
  /// `*`, N, N-M, with optional /STEP, or names; a value out of its range
  /// (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
  /// day-of-week 0-7 or SUN-SAT); a step of 0; an unknown @macro; an unknown
  /// time zone; an expression that never matches (such as "0 0 30 2 *").
  static storage::status parse(const cron& c, cron_expression& out);

  /// The first matching instant strictly after `t` (whole minutes, in the
  /// zone; see mn::cron for DST changes). sys_time::max() when it lies past
  /// what sys_time holds (the year 2262 with nanosecond clocks).
  ///
  /// DST: each matching local time L runs once, at the first instant whose
  /// local time is L or later. So a time skipped by a spring-forward runs at
  /// the end of the gap (every skipped time of one gap runs there once, and
  /// not again if the time at the end of the gap matches too: "0 * * * *" in
  /// America/New_York on 2026-03-08 runs at 06:00 and 07:00 UTC, "30 * * * *"
  /// at 06:30, 07:00 and 07:30 UTC); a time repeated by a fall-back runs at
  /// its first occurrence only, so the repeated hour runs nothing: "0 * * * *"
  /// on 2026-11-01 runs at 05:00 UTC (01:00 EDT), then 07:00 UTC (02:00 EST).
  sys_time next_after(sys_time t) const;
  /// The latest matching instant at or before `t`; nullopt when none in the
  /// 8 years before it.
  std::optional<sys_time> latest_at_or_before(sys_time t) const;

  /// The expression and zone as given, e.g. "0 23 * * 1-5 (Europe/Berlin)".
  const std::string& text() const noexcept { return text_; }

private:
  // Local wall-clock times are minutes since 1970-01-01 00:00 in the zone.
  using local_minutes = std::chrono::minutes;
  bool day_matches(int y, unsigned m, unsigned d) const;
  // The first matching local time >= from, if one is before `limit`.
  std::optional<local_minutes> next_local(local_minutes from, local_minutes limit) const;
  // The last matching local time <= from, if one is at or after `limit`.
  std::optional<local_minutes> prev_local(local_minutes from, local_minutes limit) const;
  // When local time `l` runs (seconds since the Unix epoch; see next_after).
  std::chrono::seconds instant_of(local_minutes l) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  // Restricted: the field does not start with "*". When both are, a day
  // matches if either does (Vixie cron); else it must match both.
  bool days_restricted_ = false;     // day-of-month
  bool weekdays_restricted_ = false; // day-of-week
  const date::time_zone* zone_ = nullptr; // owned by the tz database
};

} // namespace mn::detail
