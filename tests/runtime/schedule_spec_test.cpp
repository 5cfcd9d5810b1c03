// schedule_spec: due times of mn::every and mn::cron, and decide(), the pure
// choice a node makes for a task at an instant (all instants injected).
#include "runtime/schedule_spec.hpp"

#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

using namespace mn;
using namespace std::chrono_literals;
using mn::detail::decide;
using mn::detail::due_decision;
using mn::detail::iso_utc;
using mn::detail::schedule_spec;
using mn::test::has;

namespace {

// 2026-01-01T00:00:00.250Z, a reference that is not a whole second.
const sys_time ref = sys_time{1767225600s + 250ms};

schedule_spec spec_of(const every& e) {
  schedule_spec s;
  auto st = schedule_spec::make(e, s);
  BOOST_TEST_REQUIRE(st.is_ok(), st.message());
  return s;
}

schedule_spec spec_of(const cron& c) {
  schedule_spec s;
  auto st = schedule_spec::make(c, s);
  BOOST_TEST_REQUIRE(st.is_ok(), st.message());
  return s;
}

std::string kind_of(const due_decision& d) {
  switch (d.kind) {
  case due_decision::wait: return "wait";
  case due_decision::run: return "run";
  case due_decision::miss: return "miss";
  case due_decision::ignore: return "ignore";
  }
  return "?";
}

// "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z"; for wait only the wake.
std::string show(const due_decision& d) {
  if (d.kind == due_decision::wait)
    return "wait until " + iso_utc(d.wake);
  return kind_of(d) + " " + iso_utc(d.period) + ", next " + iso_utc(d.wake);
}

schedule_options opts(std::chrono::milliseconds grace,
                      missed_policy missed = missed_policy::skip) {
  schedule_options o;
  o.grace = grace;
  o.missed = missed;
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(schedule_specs)

BOOST_AUTO_TEST_CASE(every_aligns_on_its_reference) {
  auto s = spec_of(every(1000ms, ref));
  BOOST_TEST(s.describe() == "every 1000 ms from 2026-01-01T00:00:00.250Z");
  // next_after: strictly after.
  BOOST_TEST(iso_utc(s.next_after(ref)) == "2026-01-01T00:00:01.250Z");
  BOOST_TEST(iso_utc(s.next_after(ref - 1ns)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(s.next_after(ref + 999ms)) == "2026-01-01T00:00:01.250Z");
  BOOST_TEST(iso_utc(s.next_after(ref + 1000ms)) == "2026-01-01T00:00:02.250Z");
  // latest_at_or_before: inclusive.
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref + 999ms)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref + 1s)) == "2026-01-01T00:00:01.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref + 7s + 1ns)) == "2026-01-01T00:00:07.250Z");
}

BOOST_AUTO_TEST_CASE(every_before_its_reference) {
  // Due times go on before the reference (k < 0).
  auto s = spec_of(every(1000ms, ref));
  BOOST_TEST(iso_utc(s.next_after(ref - 2500ms)) == "2025-12-31T23:59:58.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref - 2500ms)) == "2025-12-31T23:59:57.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref - 1ms)) == "2025-12-31T23:59:59.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref - 1s)) == "2025-12-31T23:59:59.250Z");
  // Less than a millisecond before a due time is before it.
  BOOST_TEST(iso_utc(s.next_after(ref - 500us)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref - 500us)) == "2025-12-31T23:59:59.250Z");
  BOOST_TEST(iso_utc(s.next_after(ref - 1s - 500us)) == "2025-12-31T23:59:59.250Z");
  // Before the Unix epoch too.
  auto e = spec_of(every(3600000ms));
  BOOST_TEST(iso_utc(e.next_after(sys_time{} - 90min)) == "1969-12-31T23:00:00.000Z");
  BOOST_TEST(iso_utc(*e.latest_at_or_before(sys_time{} - 90min)) == "1969-12-31T22:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(every_by_default_from_the_epoch) {
  auto s = spec_of(every(std::chrono::hours(24)));
  BOOST_TEST(s.describe() == "every 86400000 ms from 1970-01-01T00:00:00.000Z");
  auto t = sys_time{1772704800s}; // 2026-03-05T10:00:00Z
  BOOST_TEST(iso_utc(s.next_after(t)) == "2026-03-06T00:00:00.000Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(t)) == "2026-03-05T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(every_millisecond) {
  auto s = spec_of(every(1ms, ref));
  BOOST_TEST(iso_utc(s.next_after(ref)) == "2026-01-01T00:00:00.251Z");
  BOOST_TEST(iso_utc(s.next_after(ref + 400us)) == "2026-01-01T00:00:00.251Z");
  BOOST_TEST(iso_utc(s.next_after(ref - 400us)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref + 999us)) == "2026-01-01T00:00:00.250Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(ref + 5h + 3ms)) == "2026-01-01T05:00:00.253Z");
}

BOOST_AUTO_TEST_CASE(every_zero_is_refused) {
  for (auto interval : {0ms, -5ms}) {
    schedule_spec s;
    auto st = schedule_spec::make(every(interval), s);
    BOOST_TEST(!st.is_ok());
    BOOST_TEST((st.code() == errc::invalid_argument));
    BOOST_TEST(has(st.message(), "interval " + std::to_string(interval.count()) + " ms"));
    BOOST_TEST(has(st.message(), "at least 1 ms"));
  }
}

BOOST_AUTO_TEST_CASE(cron_specs) {
  auto s = spec_of(cron("0 23 * * 1-5", "Europe/Berlin"));
  BOOST_TEST(s.describe() == "cron 0 23 * * 1-5 (Europe/Berlin)");
  // 2026-01-02 (Friday) 22:00 UTC is 23:00 in Berlin; then Monday.
  auto fri = sys_time{1767391200s};
  BOOST_TEST(iso_utc(s.next_after(fri - 1s)) == "2026-01-02T22:00:00.000Z");
  BOOST_TEST(iso_utc(s.next_after(fri)) == "2026-01-05T22:00:00.000Z");
  BOOST_TEST(iso_utc(*s.latest_at_or_before(fri + 2 * 24h)) == "2026-01-02T22:00:00.000Z");
  // Its errors are cron_expression::parse's.
  schedule_spec bad;
  auto st = schedule_spec::make(cron("0 24 * * *"), bad);
  BOOST_TEST((st.code() == errc::invalid_argument));
  BOOST_TEST(st.message() == "cron '0 24 * * *': hour '24' is out of range 0-23");
}

// decide(): a task every 10 s from `ref`, grace 2 s, created long before.
BOOST_AUTO_TEST_CASE(decide_on_time_runs) {
  auto s = spec_of(every(10s, ref));
  auto old = ref - 1h;
  BOOST_TEST(show(decide(s, opts(2s), ref + 10s, ref, old))
             == "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  BOOST_TEST(show(decide(s, opts(2s), ref + 12s, ref, old))
             == "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  // The first period of a node (done: none).
  BOOST_TEST(show(decide(s, opts(2s), ref + 11s, std::nullopt, old))
             == "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
}

BOOST_AUTO_TEST_CASE(decide_past_the_next_period_is_not_on_time) {
  // Grace 15 s (over the 10 s interval): at +12 s the period of +0 s is
  // within grace but the one of +10 s has begun: only that one runs, never both.
  auto s = spec_of(every(10s, ref));
  auto d = decide(s, opts(15s), ref + 12s, ref - 10s, ref - 1h);
  BOOST_TEST(show(d) == "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  // And once that is done, nothing (the period of +0 s is never run).
  BOOST_TEST(show(decide(s, opts(15s), ref + 13s, d.period, ref - 1h))
             == "wait until 2026-01-01T00:00:20.250Z");
}

BOOST_AUTO_TEST_CASE(decide_late_beyond_grace) {
  auto s = spec_of(every(10s, ref));
  auto old = ref - 1h;
  // Skip: counted as missed.
  BOOST_TEST(show(decide(s, opts(2s), ref + 12s + 1ms, ref, old))
             == "miss 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  // Catch up once: the latest period runs at once, never the older ones,
  // however many (the node was down from +0 s to +95 s).
  BOOST_TEST(show(decide(s, opts(2s, missed_policy::catch_up_once), ref + 95s, ref, old))
             == "run 2026-01-01T00:01:30.250Z, next 2026-01-01T00:01:40.250Z");
  BOOST_TEST(show(decide(s, opts(2s, missed_policy::skip), ref + 95s, ref, old))
             == "miss 2026-01-01T00:01:30.250Z, next 2026-01-01T00:01:40.250Z");
  // ...and then nothing until the next period.
  BOOST_TEST(show(decide(s, opts(2s, missed_policy::catch_up_once), ref + 96s,
                         ref + 90s, old))
             == "wait until 2026-01-01T00:01:40.250Z");
}

BOOST_AUTO_TEST_CASE(decide_before_created_is_ignored) {
  // A late period from before the task existed is neither missed nor caught up.
  auto s = spec_of(every(10s, ref));
  for (auto p : {missed_policy::skip, missed_policy::catch_up_once})
    BOOST_TEST(show(decide(s, opts(2s, p), ref + 15s, std::nullopt, ref + 10s + 1ms))
               == "ignore 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  // A period still on time runs even if the task's record was created just
  // after it (its creation time is its first tick's, which may lag behind).
  BOOST_TEST(show(decide(s, opts(2s), ref + 11s, std::nullopt, ref + 10s + 500ms))
             == "run 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
  // Exactly at creation: not before it.
  BOOST_TEST(show(decide(s, opts(2s), ref + 15s, std::nullopt, ref + 10s))
             == "miss 2026-01-01T00:00:10.250Z, next 2026-01-01T00:00:20.250Z");
}

BOOST_AUTO_TEST_CASE(decide_waits_when_done) {
  auto s = spec_of(every(10s, ref));
  auto old = ref - 1h;
  BOOST_TEST(show(decide(s, opts(2s), ref + 15s, ref + 10s, old))
             == "wait until 2026-01-01T00:00:20.250Z");
  // Exactly at the next period it is due.
  BOOST_TEST(show(decide(s, opts(2s), ref + 20s, ref + 10s, old))
             == "run 2026-01-01T00:00:20.250Z, next 2026-01-01T00:00:30.250Z");
  // done ahead of now (the clock went back): wake after done.
  BOOST_TEST(show(decide(s, opts(2s), ref + 15s, ref + 20s, old))
             == "wait until 2026-01-01T00:00:30.250Z");
}

BOOST_AUTO_TEST_CASE(decide_with_cron) {
  // 09:00 in Berlin: 08:00 UTC in winter. 2026-01-05T08:00Z.
  auto s = spec_of(cron("0 9 * * *", "Europe/Berlin"));
  auto due = sys_time{1767600000s};
  auto old = due - 24h * 30;
  BOOST_TEST(show(decide(s, opts(60s), due + 30s, due - 24h, old))
             == "run 2026-01-05T08:00:00.000Z, next 2026-01-06T08:00:00.000Z");
  BOOST_TEST(show(decide(s, opts(60s), due + 2h, due - 24h, old))
             == "miss 2026-01-05T08:00:00.000Z, next 2026-01-06T08:00:00.000Z");
  BOOST_TEST(show(decide(s, opts(60s), due + 2h, due, old))
             == "wait until 2026-01-06T08:00:00.000Z");
  // No period in the 8 years before now: wait for the next one.
  auto rare = spec_of(cron("0 0 29 2 */7")); // Feb 29 on a Sunday: 2004, 2032
  BOOST_TEST(show(decide(rare, opts(60s), due, std::nullopt, old))
             == "wait until 2032-02-29T00:00:00.000Z");
}

BOOST_AUTO_TEST_SUITE_END()
