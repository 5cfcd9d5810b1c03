// Scheduled tasks on an embedded node, in real time with short periods: runs
// per period, records, failures and retries, overlap, restarts, bad input.
#include "runtime/fixture.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <thread>

using namespace mn;
using namespace std::chrono_literals;
using mn::test::has;

namespace {

int64_t ms_of(sys_time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The record of task `name`, waiting (bounded) until `ok` holds for it.
template <class Pred>
schedule_info wait_for(node& n, const std::string& name, Pred ok,
                       std::chrono::milliseconds within = 10s) {
  auto deadline = std::chrono::steady_clock::now() + within;
  schedule_info last;
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto& s : n.schedules())
      if (s.name == name) {
        last = s;
        if (ok(s))
          return s;
      }
    std::this_thread::sleep_for(20ms);
  }
  BOOST_FAIL("schedule '" + name + "' never reached the expected state; last outcome '"
             + last.last_outcome + "', runs " + std::to_string(last.runs));
  return last;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(schedules, test::node_fixture)

BOOST_AUTO_TEST_CASE(a_task_runs_once_per_period_and_its_record_says_so) {
  auto periods = std::make_shared<std::vector<int64_t>>();
  auto mu = std::make_shared<std::mutex>();
  n->schedule("tick", every(100ms), [periods, mu, this](schedule_context& ctx) {
    BOOST_TEST(ctx.name() == "tick");
    BOOST_TEST(ctx.attempt() == 1u);
    std::lock_guard<std::mutex> guard{*mu};
    periods->push_back(ms_of(ctx.scheduled_time()));
    n->get_dict("ticks").increment("runs", 1, 0);
  });
  auto s = wait_for(*n, "tick", [](const schedule_info& i) { return i.runs >= 8; });
  BOOST_TEST(s.spec == "every 100 ms from 1970-01-01T00:00:00.000Z");
  BOOST_TEST(s.last_outcome == "succeeded");
  BOOST_TEST(s.last_node == "local");
  BOOST_TEST(s.last_attempts == 1u);
  BOOST_TEST(s.last_run_ms % 100 == 0);
  BOOST_TEST(s.next_due_ms > s.last_run_ms);
  std::lock_guard<std::mutex> guard{*mu};
  // Periods are aligned, distinct and in order (a period may be dropped when
  // the machine is too busy to tick in time: only the latest is ever run).
  int gaps = 0;
  for (std::size_t i = 0; i < periods->size(); ++i) {
    BOOST_TEST((*periods)[i] % 100 == 0);
    if (i > 0) {
      BOOST_TEST((*periods)[i] > (*periods)[i - 1]);
      gaps += static_cast<int>(((*periods)[i] - (*periods)[i - 1]) / 100 - 1);
    }
  }
  BOOST_TEST(gaps <= static_cast<int>(periods->size()) / 2, gaps << " periods dropped");
}

BOOST_AUTO_TEST_CASE(a_task_may_use_dicts_call_functions_and_start_jobs) {
  n->register_function("double", [](const value& x) { return x.get<int64_t>() * 2; });
  n->register_job("report", [](job_context&, const value& x) { return x; });
  n->schedule("busy", every(100ms), [this](schedule_context& ctx) {
    if (ctx.attempt() != 1)
      return;
    auto twice = n->function("double").call(21);
    auto id = n->job("report").start(twice);
    n->get_dict("busy").set("job", id);
  });
  wait_for(*n, "busy", [](const schedule_info& i) { return i.runs >= 2; });
  auto id = n->get_dict("busy").at("job").get<std::string>();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  job_record r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = n->job("report").get(id);
    if (r.status == job_status::succeeded)
      break;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(to_string(r.status) == std::string{"SUCCEEDED"});
  BOOST_TEST(r.result == 42);
}

BOOST_AUTO_TEST_CASE(a_failing_run_is_recorded_with_its_error_after_its_retries) {
  auto attempts = std::make_shared<std::atomic<int>>(0);
  schedule_options o;
  o.max_retries = 2;
  n->schedule("fragile", every(200ms), [attempts](schedule_context& ctx) {
    ++*attempts;
    throw std::runtime_error("disk full at attempt " + std::to_string(ctx.attempt()));
  }, o);
  // The first outcome may be a skipped period (its run, retrying, still goes:
  // seen under ASan): wait for the failure itself.
  auto s = wait_for(*n, "fragile", [](const schedule_info& i) {
    return i.last_outcome.rfind("failed", 0) == 0;
  });
  BOOST_TEST(s.last_outcome == "failed: disk full at attempt 3", s.last_outcome);
  BOOST_TEST(s.last_attempts == 3u);
  BOOST_TEST(attempts->load() >= 3);
}

BOOST_AUTO_TEST_CASE(a_run_still_going_makes_the_next_periods_skip) {
  auto running = std::make_shared<std::atomic<int>>(0);
  auto peak = std::make_shared<std::atomic<int>>(0);
  n->schedule("slow", every(100ms), [running, peak](schedule_context&) {
    int now = ++*running;
    int seen = peak->load();
    while (now > seen && !peak->compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(350ms);
    --*running;
  });
  auto s = wait_for(*n, "slow", [](const schedule_info& i) {
    return i.last_outcome.rfind("skipped: the run of ", 0) == 0;
  });
  BOOST_TEST(has(s.last_outcome, "still goes at"), s.last_outcome);
  BOOST_TEST(s.skipped >= 1u);
  if (s.running) // (the run that made it skip may have ended since)
    BOOST_TEST(s.running_node == "local");
  wait_for(*n, "slow", [](const schedule_info& i) { return i.runs >= 2; });
  BOOST_TEST(peak->load() == 1);
}

BOOST_AUTO_TEST_CASE(overlap_allow_lets_runs_share_time) {
  auto running = std::make_shared<std::atomic<int>>(0);
  auto peak = std::make_shared<std::atomic<int>>(0);
  schedule_options o;
  o.overlap = overlap_policy::allow;
  n->schedule("wide", every(100ms), [running, peak](schedule_context&) {
    int now = ++*running;
    int seen = peak->load();
    while (now > seen && !peak->compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(350ms);
    --*running;
  }, o);
  wait_for(*n, "wide", [](const schedule_info& i) { return i.runs >= 4; });
  BOOST_TEST(peak->load() >= 2);
}

BOOST_AUTO_TEST_CASE(records_survive_a_restart_and_the_task_goes_on) {
  auto body = [](schedule_context&) {};
  n->schedule("durable", every(100ms), body);
  auto before = wait_for(*n, "durable", [](const schedule_info& i) { return i.runs >= 3; });
  restart();
  // Not scheduled again yet: the record is still there, as it was.
  bool found = false;
  for (auto& s : n->schedules())
    if (s.name == "durable") {
      found = true;
      BOOST_TEST(s.runs >= before.runs);
      BOOST_TEST(s.last_outcome == "succeeded");
    }
  BOOST_TEST(found);
  n->schedule("durable", every(100ms), body);
  wait_for(*n, "durable", [&](const schedule_info& i) { return i.runs >= before.runs + 3; });
}

BOOST_AUTO_TEST_CASE(a_missed_period_is_counted_or_caught_up_once_by_policy) {
  // A daily task whose period (midnight UTC) is hours past and whose record
  // is older than that period: the node was down then.
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto day_task = [runs](schedule_context&) { ++*runs; };
  auto records = n->get_system_dict("__schedules");
  auto now_ms = ms_of(std::chrono::system_clock::now());
  auto midnight = now_ms - now_ms % 86400000;
  if (now_ms - midnight < 120000)
    return; // too close to midnight UTC for this test's assumptions
  for (auto name : {"daily_skip", "daily_catch_up"})
    records.set(name, value{{"spec", "x"}, {"created", midnight - 86400000}, {"runs", 0},
                            {"missed", 0}, {"running", nullptr}});
  schedule_options skip;
  n->schedule("daily_skip", every(24h), day_task, skip);
  schedule_options catch_up;
  catch_up.missed = missed_policy::catch_up_once;
  n->schedule("daily_catch_up", every(24h), day_task, catch_up);
  auto s = wait_for(*n, "daily_catch_up", [](const schedule_info& i) { return i.runs == 1; });
  BOOST_TEST(s.last_run_ms == midnight);
  auto k = wait_for(*n, "daily_skip", [](const schedule_info& i) { return i.missed == 1; });
  BOOST_TEST(k.runs == 0u);
  std::this_thread::sleep_for(300ms); // no burst, no second run
  BOOST_TEST(runs->load() == 1);
}

BOOST_AUTO_TEST_CASE(bad_schedules_are_refused_naming_what_is_wrong) {
  auto body = [](schedule_context&) {};
  auto refused = [&](auto&& call, const std::string& what) {
    try {
      call();
      BOOST_FAIL("no error for " + what);
    } catch (const invalid_argument& e) {
      BOOST_TEST(has(e.what(), what), e.what());
    }
  };
  refused([&] { n->schedule("t", every(0ms), body); }, "interval 0 ms is too short");
  refused([&] { n->schedule("t", cron("0 24 * * *"), body); }, "hour");
  refused([&] { n->schedule("t", cron("61 * * * *"), body); }, "minute");
  refused([&] { n->schedule("t", cron("* * * *"), body); }, "cron '* * * *'");
  refused([&] { n->schedule("t", cron("0 0 * * *", "Mars/Olympus"), body); }, "Mars/Olympus");
  refused([&] { n->schedule("t", cron("0 0 30 2 *"), body); }, "never");
  refused([&] { n->schedule("", every(1s), body); }, "give a name");
  refused([&] { n->schedule("a@b", every(1s), body); }, "without '@'");
  schedule_options o;
  o.grace = -1ms;
  refused([&] { n->schedule("t", every(1s), body, o); }, "grace must not be negative");
  // Nothing was scheduled by any of these.
  for (auto& s : n->schedules())
    BOOST_TEST(s.name != "t");
}

BOOST_AUTO_TEST_SUITE_END()
