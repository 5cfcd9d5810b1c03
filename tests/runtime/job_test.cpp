// Jobs on a real node: they yield, finish, fail, get cancelled (running or
// still pending), are listed and removed, and their records outlive a restart.
#include "runtime/fixture.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace mn;
using namespace std::chrono_literals;
using mn::test::has;

namespace {

// Polls get(id) until `pred` holds (at most 30 s).
template <class Pred>
job_record wait_for(const job_handle& jobs, const job_id& id, Pred pred) {
  job_record r;
  for (int i = 0; i < 3000; ++i) {
    r = jobs.get(id);
    if (pred(r))
      return r;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_FAIL("job " << id << " stuck in " << to_string(r.status));
  return r;
}

bool is(const job_record& r, job_status s) {
  return r.status == s;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(jobs, test::node_fixture)

BOOST_AUTO_TEST_CASE(a_job_yields_then_succeeds_and_outlives_a_restart) {
  auto gate = std::make_shared<std::atomic<bool>>(false);
  n->register_job("train", [gate](job_context& ctx, const value& input) {
    ctx.yield({{"epoch", 1}});
    while (!*gate)
      std::this_thread::sleep_for(5ms);
    return value{{"lr", input["lr"]}, {"accuracy", 0.93}};
  });
  auto jobs = n->job("train");
  auto id = jobs.start({{"lr", 0.1}});
  auto r = wait_for(jobs, id, [](const job_record& r) { return r.result == value{{"epoch", 1}}; });
  BOOST_TEST(to_string(r.status) == "RUNNING");
  BOOST_TEST(r.node == "local");
  BOOST_TEST(r.attempts == 1u);
  BOOST_TEST(r.started_ms >= r.created_ms);
  *gate = true;
  r = wait_for(jobs, id, [](const job_record& r) { return is(r, job_status::succeeded); });
  BOOST_TEST(r.result["accuracy"] == 0.93);
  BOOST_TEST(r.input["lr"] == 0.1);
  BOOST_TEST(r.finished_ms >= r.started_ms);
  restart();
  n->register_job("train", [](job_context&, const value&) { return value{}; });
  auto again = n->job("train").get(id);
  BOOST_TEST(to_string(again.status) == "SUCCEEDED");
  BOOST_TEST(again.result["accuracy"] == 0.93);
}

BOOST_AUTO_TEST_CASE(a_failing_job_records_why) {
  n->register_job("bad", [](job_context&, const value&) -> value {
    throw std::runtime_error("out of data");
  });
  auto jobs = n->job("bad");
  auto id = jobs.start(nullptr);
  auto r = wait_for(jobs, id, [](const job_record& r) { return is(r, job_status::failed); });
  BOOST_TEST(has(r.error, "failed on node 'local': out of data"));
}

BOOST_AUTO_TEST_CASE(running_and_pending_jobs_are_cancelled) {
  node_options opts;
  opts.function_threads = 1; // one job at a time: the second one waits
  restart(opts);
  n->register_job("loop", [](job_context& ctx, const value&) {
    int rounds = 0;
    while (!ctx.cancelled() && rounds < 3000) {
      std::this_thread::sleep_for(5ms);
      ++rounds;
    }
    return value(rounds);
  });
  auto jobs = n->job("loop");
  auto running = jobs.start(nullptr);
  wait_for(jobs, running, [](const job_record& r) { return is(r, job_status::running); });
  auto pending = jobs.start(nullptr);
  BOOST_TEST(to_string(jobs.get(pending).status) == "PENDING");
  BOOST_TEST(jobs.cancel(pending));
  BOOST_TEST(to_string(jobs.get(pending).status) == "CANCELLED");
  BOOST_TEST(!jobs.remove(running)); // still running
  BOOST_TEST(jobs.cancel(running));
  auto r = wait_for(jobs, running, [](const job_record& r) { return is(r, job_status::cancelled); });
  BOOST_TEST(r.result.get<int>() < 3000);
  // The cancelled pending job never runs, even once the thread is free.
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(jobs.get(pending).attempts == 0u);
  BOOST_TEST(!jobs.cancel(running)); // already ended
  auto ids = jobs.list();
  BOOST_TEST(ids == (std::vector<job_id>{running, pending}));
  BOOST_TEST(jobs.remove(running));
  BOOST_CHECK_THROW(jobs.get(running), job_not_found);
  BOOST_TEST(jobs.list().size() == 1u);
}

BOOST_AUTO_TEST_CASE(unknown_ids_and_jobs) {
  n->register_job("known", [](job_context&, const value& x) { return x; });
  auto jobs = n->job("known");
  try {
    jobs.get("known-0000000000000-000000");
    BOOST_FAIL("no error");
  } catch (const job_not_found& e) {
    BOOST_TEST(e.code() == errc::job_not_found);
    BOOST_TEST(has(e.what(), "no job has id"));
  }
  BOOST_CHECK_THROW(jobs.cancel("nope"), job_not_found);
  BOOST_CHECK_THROW(jobs.remove("nope"), job_not_found);
  BOOST_CHECK_THROW(n->job("unregistered").start(1), unknown_function);
  auto id = jobs.start(5);
  BOOST_CHECK_THROW(n->job("other").get(id), job_not_found); // ids belong to their name
}

BOOST_AUTO_TEST_SUITE_END()
