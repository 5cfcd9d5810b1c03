// cron_expression: parsing, due times (in UTC and across DST changes in
// America/New_York and Europe/Berlin) and every refusal.
#include "runtime/cron.hpp"
#include "runtime/schedule_spec.hpp" // iso_utc

#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <string>

using namespace mn;
using mn::detail::cron_expression;
using mn::test::has;

namespace {

// Days since 1970-01-01 of y-m-d (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2026-03-08T07:00Z", "2026-03-08T07:00:30Z", "2026-03-08T07:00:30.250Z": UTC.
sys_time at(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, ms = 0;
  double s = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%lfZ", &y, &mo, &d, &h, &mi, &s) < 5)
    BOOST_FAIL("bad instant in a test: " << iso);
  ms = static_cast<int>(s * 1000 + 0.5);
  auto secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400
              + h * 3600 + mi * 60;
  return sys_time{std::chrono::seconds(secs) + std::chrono::milliseconds(ms)};
}

// "2026-03-08T07:00Z" (seconds and ms shown only when not 0).
std::string iso(sys_time t) {
  auto s = detail::iso_utc(t); // 2026-03-08T07:00:00.000Z
  if (s.compare(16, 8, ":00.000Z") == 0)
    return s.substr(0, 16) + "Z";
  return s;
}

cron_expression parse(const std::string& expr, const std::string& zone = "UTC") {
  cron_expression x;
  auto st = cron_expression::parse(cron(expr, zone), x);
  BOOST_TEST_REQUIRE(st.is_ok(), "cron '" << expr << "' (" << zone << "): " << st.message());
  return x;
}

// The first `n` due times after `from`, each found from the one before.
std::string seq(const std::string& expr, const std::string& zone, const std::string& from,
                int n) {
  auto x = parse(expr, zone);
  std::string out;
  auto t = at(from);
  for (int i = 0; i < n; ++i) {
    t = x.next_after(t);
    out += (i ? " " : "") + iso(t);
  }
  return out;
}

std::string latest(const std::string& expr, const std::string& zone, const std::string& t) {
  auto r = parse(expr, zone).latest_at_or_before(at(t));
  return r ? iso(*r) : "none";
}

// The message parse() refuses `expr` with (invalid_argument).
std::string refusal(const std::string& expr, const std::string& zone = "UTC") {
  cron_expression x;
  auto st = cron_expression::parse(cron(expr, zone), x);
  BOOST_TEST(!st.is_ok(), "cron '" << expr << "' was accepted");
  BOOST_TEST((st.code() == errc::invalid_argument));
  BOOST_TEST(has(st.message(), "cron '" + expr + "'"));
  return st.message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(cron_expressions)

BOOST_AUTO_TEST_CASE(every_minute_and_steps) {
  BOOST_TEST(seq("* * * * *", "UTC", "2026-01-01T00:00:30Z", 3)
             == "2026-01-01T00:01Z 2026-01-01T00:02Z 2026-01-01T00:03Z");
  // Strictly after: a due time is not its own next.
  BOOST_TEST(seq("* * * * *", "UTC", "2026-01-01T00:00Z", 1) == "2026-01-01T00:01Z");
  BOOST_TEST(seq("* * * * *", "UTC", "2026-12-31T23:59:59.999Z", 1) == "2027-01-01T00:00Z");
  BOOST_TEST(seq("*/15 * * * *", "UTC", "2026-01-01T00:07Z", 4)
             == "2026-01-01T00:15Z 2026-01-01T00:30Z 2026-01-01T00:45Z 2026-01-01T01:00Z");
  BOOST_TEST(seq("10-50/20 * * * *", "UTC", "2026-01-01T00:00Z", 4)
             == "2026-01-01T00:10Z 2026-01-01T00:30Z 2026-01-01T00:50Z 2026-01-01T01:10Z");
  // N/STEP: from N to the end of the field's range.
  BOOST_TEST(seq("7/20 * * * *", "UTC", "2026-01-01T00:00Z", 4)
             == "2026-01-01T00:07Z 2026-01-01T00:27Z 2026-01-01T00:47Z 2026-01-01T01:07Z");
  BOOST_TEST(seq("0 9-17/4 * * *", "UTC", "2026-01-01T00:00Z", 4)
             == "2026-01-01T09:00Z 2026-01-01T13:00Z 2026-01-01T17:00Z 2026-01-02T09:00Z");
  BOOST_TEST(seq("0 */100 * * *", "UTC", "2026-01-01T00:00Z", 2)
             == "2026-01-02T00:00Z 2026-01-03T00:00Z");
}

BOOST_AUTO_TEST_CASE(lists_and_ranges) {
  BOOST_TEST(seq("5,10,55 * * * *", "UTC", "2026-01-01T10:06Z", 3)
             == "2026-01-01T10:10Z 2026-01-01T10:55Z 2026-01-01T11:05Z");
  BOOST_TEST(seq("0,30 8-9,17 * * *", "UTC", "2026-01-01T09:10Z", 4)
             == "2026-01-01T09:30Z 2026-01-01T17:00Z 2026-01-01T17:30Z 2026-01-02T08:00Z");
  BOOST_TEST(seq("15 10 1,15 3-4 *", "UTC", "2026-01-01T00:00Z", 5)
             == "2026-03-01T10:15Z 2026-03-15T10:15Z 2026-04-01T10:15Z 2026-04-15T10:15Z "
                "2027-03-01T10:15Z");
  // A list of a range, a step and a value in one field.
  BOOST_TEST(seq("1-3,*/20,59 * * * *", "UTC", "2026-01-01T00:00Z", 6)
             == "2026-01-01T00:01Z 2026-01-01T00:02Z 2026-01-01T00:03Z 2026-01-01T00:20Z "
                "2026-01-01T00:40Z 2026-01-01T00:59Z");
}

BOOST_AUTO_TEST_CASE(month_and_day_names) {
  // Case-insensitive, in lists and ranges.
  BOOST_TEST(seq("0 0 1 JAN,jul *", "UTC", "2026-02-01T00:00Z", 3)
             == "2026-07-01T00:00Z 2027-01-01T00:00Z 2027-07-01T00:00Z");
  BOOST_TEST(seq("0 0 1 Nov-Dec *", "UTC", "2026-02-01T00:00Z", 3)
             == "2026-11-01T00:00Z 2026-12-01T00:00Z 2027-11-01T00:00Z");
  // 2026-01-02 is a Friday.
  BOOST_TEST(seq("30 8 * * MON-FRI", "UTC", "2026-01-02T09:00Z", 5)
             == "2026-01-05T08:30Z 2026-01-06T08:30Z 2026-01-07T08:30Z 2026-01-08T08:30Z "
                "2026-01-09T08:30Z");
  BOOST_TEST(seq("30 8 * * mon-fri", "UTC", "2026-01-02T09:00Z", 1) == "2026-01-05T08:30Z");
  BOOST_TEST(seq("0 12 * * sat,TUE", "UTC", "2026-01-01T00:00Z", 3)
             == "2026-01-03T12:00Z 2026-01-06T12:00Z 2026-01-10T12:00Z");
  // SUN ends a range as Sunday = 7.
  BOOST_TEST(seq("0 12 * * SAT-SUN", "UTC", "2026-01-01T00:00Z", 3)
             == "2026-01-03T12:00Z 2026-01-04T12:00Z 2026-01-10T12:00Z");
}

BOOST_AUTO_TEST_CASE(sunday_is_0_and_7) {
  // 2026-01-04 and 2026-01-11 are Sundays.
  for (auto e : {"0 12 * * 0", "0 12 * * 7", "0 12 * * SUN", "0 12 * * sun"})
    BOOST_TEST(seq(e, "UTC", "2026-01-01T00:00Z", 2) == "2026-01-04T12:00Z 2026-01-11T12:00Z");
  BOOST_TEST(seq("0 12 * * 5-7", "UTC", "2026-01-01T00:00Z", 4)
             == "2026-01-02T12:00Z 2026-01-03T12:00Z 2026-01-04T12:00Z 2026-01-09T12:00Z");
  BOOST_TEST(seq("0 12 * * 0,7", "UTC", "2026-01-01T00:00Z", 1) == "2026-01-04T12:00Z");
}

BOOST_AUTO_TEST_CASE(macros) {
  BOOST_TEST(seq("@yearly", "UTC", "2026-05-05T10:20Z", 2)
             == "2027-01-01T00:00Z 2028-01-01T00:00Z");
  BOOST_TEST(seq("@annually", "UTC", "2026-05-05T10:20Z", 1) == "2027-01-01T00:00Z");
  BOOST_TEST(seq("@monthly", "UTC", "2026-05-05T10:20Z", 2)
             == "2026-06-01T00:00Z 2026-07-01T00:00Z");
  // 2026-05-05 is a Tuesday: the next Sunday is 05-10.
  BOOST_TEST(seq("@weekly", "UTC", "2026-05-05T10:20Z", 2)
             == "2026-05-10T00:00Z 2026-05-17T00:00Z");
  BOOST_TEST(seq("@daily", "UTC", "2026-05-05T10:20Z", 2)
             == "2026-05-06T00:00Z 2026-05-07T00:00Z");
  BOOST_TEST(seq("@midnight", "UTC", "2026-05-05T10:20Z", 1) == "2026-05-06T00:00Z");
  BOOST_TEST(seq("@hourly", "UTC", "2026-05-05T10:20Z", 2)
             == "2026-05-05T11:00Z 2026-05-05T12:00Z");
  BOOST_TEST(seq("  @DAILY ", "UTC", "2026-05-05T10:20Z", 1) == "2026-05-06T00:00Z");
  // In a zone: local midnight.
  BOOST_TEST(seq("@daily", "Europe/Berlin", "2026-05-05T10:20Z", 1) == "2026-05-05T22:00Z");
}

BOOST_AUTO_TEST_CASE(month_ends_and_leap_days) {
  // The 31st: months with 30 days (and February) are skipped.
  BOOST_TEST(seq("0 0 31 * *", "UTC", "2026-01-31T00:00Z", 4)
             == "2026-03-31T00:00Z 2026-05-31T00:00Z 2026-07-31T00:00Z 2026-08-31T00:00Z");
  BOOST_TEST(seq("0 0 30 * *", "UTC", "2026-01-30T00:00Z", 2)
             == "2026-03-30T00:00Z 2026-04-30T00:00Z");
  // February 29 only in leap years (2100 is none).
  BOOST_TEST(seq("0 0 29 2 *", "UTC", "2025-03-01T00:00Z", 2)
             == "2028-02-29T00:00Z 2032-02-29T00:00Z");
  BOOST_TEST(seq("0 0 29 2 *", "UTC", "2096-03-01T00:00Z", 1) == "2104-02-29T00:00Z");
  BOOST_TEST(seq("0 0 29 FEB *", "UTC", "2024-02-28T12:00Z", 1) == "2024-02-29T00:00Z");
  // February 29 on a Sunday (day-of-week "*/7" keeps it an AND): 28 years
  // apart, found past any 8-year horizon.
  BOOST_TEST(seq("0 0 29 2 */7", "UTC", "2005-01-01T00:00Z", 2)
             == "2032-02-29T00:00Z 2060-02-29T00:00Z");
  // Years and months roll over.
  BOOST_TEST(seq("59 23 31 12 *", "UTC", "2026-12-31T23:59Z", 1) == "2027-12-31T23:59Z");
}

BOOST_AUTO_TEST_CASE(day_of_month_or_day_of_week) {
  // Both restricted: either is enough. 2026-02-01 is a Sunday.
  BOOST_TEST(seq("0 0 1 * MON", "UTC", "2026-01-01T00:00Z", 6)
             == "2026-01-05T00:00Z 2026-01-12T00:00Z 2026-01-19T00:00Z 2026-01-26T00:00Z "
                "2026-02-01T00:00Z 2026-02-02T00:00Z");
  BOOST_TEST(seq("0 0 13 * 5", "UTC", "2026-03-01T00:00Z", 4)
             == "2026-03-06T00:00Z 2026-03-13T00:00Z 2026-03-20T00:00Z 2026-03-27T00:00Z");
  BOOST_TEST(seq("0 0 15 * 5", "UTC", "2026-03-01T00:00Z", 4)
             == "2026-03-06T00:00Z 2026-03-13T00:00Z 2026-03-15T00:00Z 2026-03-20T00:00Z");
  // Day-of-month "*...": a day must match both (odd days that are Mondays).
  BOOST_TEST(seq("0 0 */2 * MON", "UTC", "2026-01-01T00:00Z", 4)
             == "2026-01-05T00:00Z 2026-01-19T00:00Z 2026-02-09T00:00Z 2026-02-23T00:00Z");
  // One of them "*": only the other counts.
  BOOST_TEST(seq("0 0 1 * *", "UTC", "2026-01-01T00:00Z", 2)
             == "2026-02-01T00:00Z 2026-03-01T00:00Z");
  BOOST_TEST(seq("0 0 * * MON", "UTC", "2026-01-01T00:00Z", 2)
             == "2026-01-05T00:00Z 2026-01-12T00:00Z");
  // Day-of-week "*/2" starts with "*": AND (Sun, Tue, Thu, Sat that are the 1st or 15th).
  BOOST_TEST(seq("0 0 1,15 * */2", "UTC", "2026-01-01T00:00Z", 3)
             == "2026-01-15T00:00Z 2026-02-01T00:00Z 2026-02-15T00:00Z");
  // A 31st in February with a weekday: the weekday alone still matches.
  BOOST_TEST(seq("0 0 31 2 MON", "UTC", "2026-01-01T00:00Z", 2)
             == "2026-02-02T00:00Z 2026-02-09T00:00Z");
}

BOOST_AUTO_TEST_CASE(new_york_spring_forward) {
  // 2026-03-08 02:00 EST (07:00 UTC) -> 03:00 EDT: 02:00-02:59 does not exist.
  BOOST_TEST(seq("30 2 * * *", "America/New_York", "2026-03-06T12:00Z", 3)
             == "2026-03-07T07:30Z 2026-03-08T07:00Z 2026-03-09T06:30Z");
  BOOST_TEST(seq("0 * * * *", "America/New_York", "2026-03-08T04:30Z", 4)
             == "2026-03-08T05:00Z 2026-03-08T06:00Z 2026-03-08T07:00Z 2026-03-08T08:00Z");
  BOOST_TEST(seq("30 * * * *", "America/New_York", "2026-03-08T05:00Z", 5)
             == "2026-03-08T05:30Z 2026-03-08T06:30Z 2026-03-08T07:00Z 2026-03-08T07:30Z "
                "2026-03-08T08:30Z");
  // Every skipped time of the gap runs once, at its end.
  BOOST_TEST(seq("*/20 2 * * *", "America/New_York", "2026-03-08T00:00Z", 4)
             == "2026-03-08T07:00Z 2026-03-09T06:00Z 2026-03-09T06:20Z 2026-03-09T06:40Z");
  // From within the gap's end.
  BOOST_TEST(seq("30 2 * * *", "America/New_York", "2026-03-08T07:00Z", 1) == "2026-03-09T06:30Z");
  BOOST_TEST(seq("0 3 * * *", "America/New_York", "2026-03-08T00:00Z", 2)
             == "2026-03-08T07:00Z 2026-03-09T07:00Z");
}

BOOST_AUTO_TEST_CASE(new_york_fall_back) {
  // 2026-11-01 02:00 EDT (06:00 UTC) -> 01:00 EST: 01:00-01:59 comes twice.
  BOOST_TEST(seq("30 1 * * *", "America/New_York", "2026-10-31T12:00Z", 3)
             == "2026-11-01T05:30Z 2026-11-02T06:30Z 2026-11-03T06:30Z");
  BOOST_TEST(seq("0 * * * *", "America/New_York", "2026-11-01T03:30Z", 4)
             == "2026-11-01T04:00Z 2026-11-01T05:00Z 2026-11-01T07:00Z 2026-11-01T08:00Z");
  BOOST_TEST(seq("*/30 * * * *", "America/New_York", "2026-11-01T04:50Z", 4)
             == "2026-11-01T05:00Z 2026-11-01T05:30Z 2026-11-01T07:00Z 2026-11-01T07:30Z");
  // From within the repeated hour: its times have run already.
  BOOST_TEST(seq("*/15 * * * *", "America/New_York", "2026-11-01T06:10Z", 2)
             == "2026-11-01T07:00Z 2026-11-01T07:15Z");
  BOOST_TEST(seq("30 1 * * *", "America/New_York", "2026-11-01T06:10Z", 1) == "2026-11-02T06:30Z");
  BOOST_TEST(seq("0 2 * * *", "America/New_York", "2026-10-31T12:00Z", 2)
             == "2026-11-01T07:00Z 2026-11-02T07:00Z");
}

BOOST_AUTO_TEST_CASE(berlin_dst) {
  // Spring: 2026-03-29 02:00 CET (01:00 UTC) -> 03:00 CEST.
  BOOST_TEST(seq("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00Z", 2)
             == "2026-03-29T01:00Z 2026-03-30T00:30Z");
  BOOST_TEST(seq("0 * * * *", "Europe/Berlin", "2026-03-28T23:30Z", 3)
             == "2026-03-29T00:00Z 2026-03-29T01:00Z 2026-03-29T02:00Z");
  // Fall: 2026-10-25 03:00 CEST (01:00 UTC) -> 02:00 CET: 02:00-02:59 comes twice.
  BOOST_TEST(seq("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00Z", 2)
             == "2026-10-25T00:30Z 2026-10-26T01:30Z");
  BOOST_TEST(seq("0 * * * *", "Europe/Berlin", "2026-10-24T23:30Z", 3)
             == "2026-10-25T00:00Z 2026-10-25T02:00Z 2026-10-25T03:00Z");
  // Weekdays at 09:00 local: 07:00 UTC in summer, 08:00 in winter. 2026-03-27 is a Friday.
  BOOST_TEST(seq("0 9 * * MON-FRI", "Europe/Berlin", "2026-03-27T12:00Z", 2)
             == "2026-03-30T07:00Z 2026-03-31T07:00Z");
  BOOST_TEST(seq("0 9 * * MON-FRI", "Europe/Berlin", "2026-10-23T12:00Z", 2)
             == "2026-10-26T08:00Z 2026-10-27T08:00Z");
  // A DST-less zone far off UTC.
  BOOST_TEST(seq("0 0 * * *", "Asia/Kolkata", "2026-01-01T00:00Z", 1) == "2026-01-01T18:30Z");
}

BOOST_AUTO_TEST_CASE(utc_by_default_and_text) {
  cron_expression x;
  BOOST_TEST(cron_expression::parse(cron("0 0 * * *"), x).is_ok());
  BOOST_TEST(x.text() == "0 0 * * * (UTC)");
  BOOST_TEST(iso(x.next_after(at("2026-06-15T12:00Z"))) == "2026-06-16T00:00Z");
  BOOST_TEST(parse("0 23 * * 1-5", "Europe/Berlin").text() == "0 23 * * 1-5 (Europe/Berlin)");
  BOOST_TEST(parse("@daily").text() == "@daily (UTC)");
  // Tabs and repeated spaces separate fields as well.
  BOOST_TEST(seq("0\t12  *  * *", "UTC", "2026-01-01T00:00Z", 1) == "2026-01-01T12:00Z");
}

BOOST_AUTO_TEST_CASE(latest_at_or_before) {
  BOOST_TEST(latest("*/15 * * * *", "UTC", "2026-01-01T10:07:30Z") == "2026-01-01T10:00Z");
  BOOST_TEST(latest("*/15 * * * *", "UTC", "2026-01-01T10:15Z") == "2026-01-01T10:15Z");
  BOOST_TEST(latest("*/15 * * * *", "UTC", "2026-01-01T10:14:59.999Z") == "2026-01-01T10:00Z");
  BOOST_TEST(latest("* * * * *", "UTC", "2026-01-01T10:14:59.999Z") == "2026-01-01T10:14Z");
  BOOST_TEST(latest("0 0 29 2 *", "UTC", "2027-06-01T00:00Z") == "2024-02-29T00:00Z");
  BOOST_TEST(latest("0 0 29 2 *", "UTC", "2024-02-29T00:00Z") == "2024-02-29T00:00Z");
  BOOST_TEST(latest("0 0 31 * *", "UTC", "2026-07-15T00:00Z") == "2026-05-31T00:00Z");
  BOOST_TEST(latest("0 0 1 * MON", "UTC", "2026-01-31T00:00Z") == "2026-01-26T00:00Z");
  BOOST_TEST(latest("30 8 * * MON-FRI", "UTC", "2026-01-05T08:29Z") == "2026-01-02T08:30Z");
  BOOST_TEST(latest("@yearly", "UTC", "2026-01-01T00:00Z") == "2026-01-01T00:00Z");
  BOOST_TEST(latest("@yearly", "UTC", "2025-12-31T23:59:59.999Z") == "2025-01-01T00:00Z");
  // DST: the end of a spring gap; exactly on it; a fall-back's repeated hour
  // (its times ran at their first occurrence).
  BOOST_TEST(latest("30 2 * * *", "America/New_York", "2026-03-08T07:00Z") == "2026-03-08T07:00Z");
  BOOST_TEST(latest("30 2 * * *", "America/New_York", "2026-03-08T06:59Z") == "2026-03-07T07:30Z");
  BOOST_TEST(latest("0 * * * *", "America/New_York", "2026-11-01T06:30Z") == "2026-11-01T05:00Z");
  BOOST_TEST(latest("*/15 * * * *", "America/New_York", "2026-11-01T06:40Z") == "2026-11-01T05:45Z");
  BOOST_TEST(latest("0 * * * *", "America/New_York", "2026-11-01T07:00Z") == "2026-11-01T07:00Z");
  BOOST_TEST(latest("30 2 * * *", "Europe/Berlin", "2026-10-25T01:45Z") == "2026-10-25T00:30Z");
  BOOST_TEST(latest("0 9 * * MON-FRI", "Europe/Berlin", "2026-03-30T06:59Z") == "2026-03-27T08:00Z");
  // Within 8 years only: February 29 on a Sunday was 2004, then 2032.
  BOOST_TEST(latest("0 0 29 2 */7", "UTC", "2020-01-01T00:00Z") == "none");
  BOOST_TEST(latest("0 0 29 2 */7", "UTC", "2033-01-01T00:00Z") == "2032-02-29T00:00Z");
}

BOOST_AUTO_TEST_CASE(next_and_latest_agree) {
  // Over DST days, every due time is the latest at or before itself, and the
  // next after the one before it.
  for (auto zone : {"America/New_York", "Europe/Berlin", "UTC"})
    for (auto e : {"*/7 * * * *", "0 * * * *", "30 2 * * *", "15 1-3 * * *"}) {
      auto x = parse(e, zone);
      for (auto from : {"2026-03-07T00:00Z", "2026-03-28T00:00Z", "2026-10-24T00:00Z",
                        "2026-10-31T00:00Z"}) {
        auto t = at(from);
        for (int i = 0; i < 300; ++i) {
          auto n = x.next_after(t);
          BOOST_TEST_REQUIRE((n > t), iso(n) << " after " << iso(t));
          auto l = x.latest_at_or_before(n);
          BOOST_TEST_REQUIRE(l.has_value());
          BOOST_TEST_REQUIRE(iso(*l) == iso(n), e << " in " << zone);
          auto before = x.latest_at_or_before(n - std::chrono::seconds(1));
          BOOST_TEST_REQUIRE(before.has_value());
          BOOST_TEST_REQUIRE((*before <= t || iso(*before) == iso(t)), e << " in " << zone);
          t = n;
        }
      }
    }
}

BOOST_AUTO_TEST_CASE(wrong_number_of_fields) {
  BOOST_TEST(has(refusal("0 0 * *"), "expected 5 fields (minute hour day-of-month month "
                                     "day-of-week), got 4"));
  BOOST_TEST(has(refusal("0 0 * * * *"), "got 6"));
  BOOST_TEST(has(refusal(""), "got 0"));
  BOOST_TEST(has(refusal("   "), "got 0"));
}

BOOST_AUTO_TEST_CASE(values_out_of_range) {
  BOOST_TEST(refusal("0 24 * * *") == "cron '0 24 * * *': hour '24' is out of range 0-23");
  BOOST_TEST(has(refusal("60 * * * *"), "minute '60' is out of range 0-59"));
  BOOST_TEST(has(refusal("0-60 * * * *"), "minute '60' is out of range 0-59"));
  BOOST_TEST(has(refusal("0 0 0 * *"), "day-of-month '0' is out of range 1-31"));
  BOOST_TEST(has(refusal("0 0 32 * *"), "day-of-month '32' is out of range 1-31"));
  BOOST_TEST(has(refusal("0 0 * 13 *"), "month '13' is out of range 1-12"));
  BOOST_TEST(has(refusal("0 0 * 0 *"), "month '0' is out of range 1-12"));
  BOOST_TEST(has(refusal("0 0 * * 8"), "day-of-week '8' is out of range 0-7"));
  BOOST_TEST(has(refusal("99999999999 * * * *"), "minute '99999999999' is out of range 0-59"));
  BOOST_TEST(has(refusal("0 5-2 * * *"), "hour '5-2' is a range that ends before it starts"));
}

BOOST_AUTO_TEST_CASE(bad_steps_and_items) {
  BOOST_TEST(has(refusal("*/0 * * * *"), "minute '*/0' has a step of 0"));
  BOOST_TEST(has(refusal("0 1-5/0 * * *"), "hour '1-5/0' has a step of 0"));
  BOOST_TEST(has(refusal("*/x * * * *"), "minute '*/x': step 'x' is not a number"));
  BOOST_TEST(has(refusal("*/ * * * *"), "minute '*/': step '' is not a number"));
  BOOST_TEST(has(refusal("*/2/3 * * * *"), "minute '*/2/3' has more than one '/'"));
  BOOST_TEST(has(refusal("1,,2 * * * *"), "minute '1,,2' has an empty list item"));
  BOOST_TEST(has(refusal("0 0 * * 1,"), "day-of-week '1,' has an empty list item"));
  BOOST_TEST(has(refusal("0 0 ,1 * *"), "day-of-month ',1' has an empty list item"));
  BOOST_TEST(has(refusal("1- * * * *"), "minute '1-' lacks a value"));
  BOOST_TEST(has(refusal("-1 * * * *"), "minute '-1' lacks a value"));
  BOOST_TEST(has(refusal("a * * * *"), "minute 'a' is not a number; allowed: 0-59"));
  BOOST_TEST(has(refusal("*5 * * * *"), "minute '*5' is not a number"));
}

BOOST_AUTO_TEST_CASE(bad_names) {
  BOOST_TEST(has(refusal("0 0 * FOO *"),
                 "month 'FOO' is neither a number nor a month name; allowed: 1-12 or JAN-DEC"));
  BOOST_TEST(has(refusal("0 0 * * FUN"), "day-of-week 'FUN' is neither a number nor a day name; "
                                          "allowed: 0-7 (0 and 7 are Sunday) or SUN-SAT"));
  BOOST_TEST(has(refusal("0 0 * * JAN"), "day-of-week 'JAN' is neither"));
  BOOST_TEST(has(refusal("0 0 * MON *"), "month 'MON' is neither"));
  BOOST_TEST(has(refusal("0 MON * * *"), "hour 'MON' is not a number; allowed: 0-23"));
  BOOST_TEST(has(refusal("0 0 * JANUARY *"), "month 'JANUARY' is neither"));
  BOOST_TEST(has(refusal("0 0 * * MON-FRY"), "day-of-week 'FRY' is neither"));
  BOOST_TEST(has(refusal("0 0 * * FRI-MON"), "day-of-week 'FRI-MON' is a range that ends before"));
}

BOOST_AUTO_TEST_CASE(bad_macros) {
  BOOST_TEST(has(refusal("@reboot"), "@reboot is not supported"));
  BOOST_TEST(has(refusal("@every5m"), "unknown macro '@every5m'; use @hourly, @daily"));
  BOOST_TEST(has(refusal("@"), "unknown macro '@'"));
  BOOST_TEST(has(refusal("@daily 5"), "@daily takes no fields, but '5' follows it"));
}

BOOST_AUTO_TEST_CASE(unknown_zone) {
  auto m = refusal("0 0 * * *", "Mars/Olympus_Mons");
  BOOST_TEST(has(m, "unknown time zone 'Mars/Olympus_Mons'"));
  BOOST_TEST(has(refusal("0 0 * * *", ""), "unknown time zone ''"));
  BOOST_TEST(has(refusal("0 0 * * *", "europe/berlin"), "unknown time zone 'europe/berlin'"));
}

BOOST_AUTO_TEST_CASE(never_matches) {
  BOOST_TEST(refusal("0 0 30 2 *")
             == "cron '0 0 30 2 *': it never matches: day-of-month '30' is never a day of "
                "month '2'");
  BOOST_TEST(has(refusal("0 0 31 4,6,9,11 *"), "never matches"));
  BOOST_TEST(has(refusal("0 0 31 APR *"), "never matches"));
  BOOST_TEST(has(refusal("0 0 30-31 FEB */2"), "never matches"));
  // These do match: Feb 29 in leap years; Mondays in February (either day field).
  parse("0 0 29 2 *");
  parse("0 0 31 2 MON");
  parse("0 0 31 4,5 *");
}

BOOST_AUTO_TEST_SUITE_END()
