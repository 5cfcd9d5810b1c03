#include "runtime/schedule_spec.hpp"

#include <ctime>

namespace mn::detail {

using std::chrono::milliseconds;

std::string iso_utc(sys_time t) {
  auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms - secs * int64_t{1000}));
  return out;
}

storage::status schedule_spec::make(const every& e, schedule_spec& out) {
  if (e.interval < milliseconds(1))
    return {errc::invalid_argument,
            "every: interval " + std::to_string(e.interval.count())
              + " ms is too short; give an interval of at least 1 ms"};
  out = schedule_spec{};
  out.interval_ = e.interval;
  out.reference_ = std::chrono::time_point_cast<milliseconds>(e.reference);
  out.text_ = "every " + std::to_string(e.interval.count()) + " ms from " + iso_utc(e.reference);
  return storage::status::ok();
}

storage::status schedule_spec::make(const cron& c, schedule_spec& out) {
  cron_expression x;
  if (auto st = cron_expression::parse(c, x); !st)
    return st;
  out = schedule_spec{};
  out.text_ = "cron " + x.text();
  out.cron_ = std::move(x);
  return storage::status::ok();
}

namespace {

// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

} // namespace

sys_time schedule_spec::next_after(sys_time t) const {
  if (cron_)
    return cron_->next_after(t);
  // floor, not duration_cast (which truncates toward 0): a `t` less than 1 ms
  // before a due time must not count as at it.
  auto since = std::chrono::floor<milliseconds>(t - reference_).count();
  auto k = floor_div(since, interval_.count()) + 1;
  return reference_ + milliseconds(k * interval_.count());
}

std::optional<sys_time> schedule_spec::latest_at_or_before(sys_time t) const {
  if (cron_)
    return cron_->latest_at_or_before(t);
  auto since = std::chrono::floor<milliseconds>(t - reference_).count();
  return reference_ + milliseconds(floor_div(since, interval_.count()) * interval_.count());
}

due_decision decide(const schedule_spec& spec, const schedule_options& opts, sys_time now,
                    std::optional<sys_time> done, sys_time created) {
  due_decision d;
  auto p = spec.latest_at_or_before(now);
  if (!p || (done && *p <= *done)) {
    d.kind = due_decision::wait;
    d.wake = spec.next_after(done && *done > now ? *done : now);
    return d;
  }
  d.period = *p;
  auto next = spec.next_after(*p);
  bool on_time = now - *p <= opts.grace && now < next;
  if (on_time)
    d.kind = due_decision::run;
  else if (*p < created)
    d.kind = due_decision::ignore; // the task did not exist then: not a miss
  else
    d.kind = opts.missed == missed_policy::catch_up_once ? due_decision::run : due_decision::miss;
  d.wake = next;
  return d;
}

} // namespace mn::detail
