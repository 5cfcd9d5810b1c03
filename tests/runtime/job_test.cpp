// Jobs on a real node: they yield, finish, fail, get cancelled (running or
// still pending), are listed and removed, and their records outlive a restart;
// max_concurrency holds the rest back, oldest first; max_retries runs a job cut
// short by a restart again.
#include "runtime/fixture.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
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

// Polls `pred` until it holds (at most 30 s).
template <class Pred>
bool eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::size_t count(const job_handle& jobs, const std::vector<job_id>& ids, job_status s) {
  std::size_t n = 0;
  for (auto& id : ids)
    n += jobs.get(id).status == s ? 1 : 0;
  return n;
}

// Raises d[key] to at least `v`, by compare-and-set.
void raise_to(dict& d, const std::string& key, int64_t v) {
  for (;;) {
    auto seen = d.at(key);
    if (seen.get<int64_t>() >= v || d.update(key, v, seen))
      return;
  }
}

// A body that counts itself in d["running"] (and the most seen in d["max"])
// and holds until `gate` opens (at most 30 s); it records its input in d.
job_body counted(dict d, std::shared_ptr<std::atomic<bool>> gate) {
  return [d, gate](job_context&, const value& input) mutable {
    d.set("ran:" + input.get<std::string>(), true);
    raise_to(d, "max", d.increment("running", 1).get<int64_t>());
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!*gate && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(2ms);
    std::this_thread::sleep_for(20ms); // the next ones start while this one ends
    d.increment("running", -1);
    return value("done");
  };
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

BOOST_AUTO_TEST_CASE(at_most_max_concurrency_jobs_run_and_the_rest_wait_oldest_first) {
  node_options opts;
  opts.function_threads = 8; // the limit holds them back, not the threads
  restart(opts);
  auto d = n->get_dict("counts");
  d.set("running", 0);
  d.set("max", 0);
  auto gate = std::make_shared<std::atomic<bool>>(false);
  n->register_job("limited", counted(d, gate), job_options{0, 2});
  auto jobs = n->job("limited");
  std::vector<job_id> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(jobs.start(std::to_string(i)));
  // Two run and hold their slots; the four others wait.
  BOOST_REQUIRE(eventually([&] {
    return count(jobs, ids, job_status::running) == 2 && count(jobs, ids, job_status::pending) == 4;
  }));
  std::vector<job_id> waiting;
  for (auto& id : ids)
    if (jobs.get(id).status == job_status::pending)
      waiting.push_back(id);
  *gate = true;
  for (auto& id : ids)
    wait_for(jobs, id, [](const job_record& r) { return is(r, job_status::succeeded); });
  BOOST_TEST(d.at("max") == 2);
  BOOST_TEST(d.at("running") == 0);
  // The waiting ones ran oldest (smallest id) first.
  std::sort(waiting.begin(), waiting.end());
  for (std::size_t i = 1; i < waiting.size(); ++i)
    BOOST_TEST(jobs.get(waiting[i - 1]).started_ms <= jobs.get(waiting[i]).started_ms);
  for (auto& id : ids)
    BOOST_TEST(jobs.get(id).attempts == 1u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiting_job_never_runs) {
  auto d = n->get_dict("counts");
  d.set("running", 0);
  d.set("max", 0);
  auto gate = std::make_shared<std::atomic<bool>>(false);
  n->register_job("single", counted(d, gate), job_options{0, 1});
  auto jobs = n->job("single");
  auto first = jobs.start("first");
  wait_for(jobs, first, [](const job_record& r) { return is(r, job_status::running); });
  auto second = jobs.start("second");
  // Its runner came and found no slot: it waits in line.
  auto line = n->get_system_dict("__job_queue");
  BOOST_REQUIRE(eventually([&] { return line.contains(second); }));
  BOOST_TEST(to_string(jobs.get(second).status) == "PENDING");
  BOOST_TEST(jobs.cancel(second));
  BOOST_TEST(to_string(jobs.get(second).status) == "CANCELLED");
  BOOST_TEST(!line.contains(second));
  auto third = jobs.start("third");
  *gate = true;
  wait_for(jobs, first, [](const job_record& r) { return is(r, job_status::succeeded); });
  // The line moves on past the cancelled job: had it run, it would have run
  // before the younger third one.
  wait_for(jobs, third, [](const job_record& r) { return is(r, job_status::succeeded); });
  BOOST_TEST(to_string(jobs.get(second).status) == "CANCELLED");
  BOOST_TEST(jobs.get(second).attempts == 0u);
  BOOST_TEST(!d.contains("ran:second"));
  BOOST_TEST(d.at("max") == 1);
}

BOOST_AUTO_TEST_CASE(a_job_cut_short_by_a_restart_runs_again_within_max_retries) {
  // Bodies that run until the node stops under them: their writes then fail,
  // and so does the runner's last update, as in a crash.
  auto until_stopped = [](job_context& ctx, const value&) -> value {
    for (;;) {
      ctx.yield("working");
      std::this_thread::sleep_for(5ms);
    }
  };
  n->register_job("resumable", until_stopped, job_options{1, 0});
  n->register_job("once", until_stopped);
  auto resumable = n->job("resumable").start(1);
  auto once = n->job("once").start(2);
  for (auto& [name, id] : {std::pair{"resumable", resumable}, std::pair{"once", once}})
    wait_for(n->job(name), id, [](const job_record& r) { return r.result == "working"; });
  restart();
  BOOST_TEST(to_string(n->job("resumable").get(resumable).status) == "RUNNING"); // as left
  auto second_life = [](job_context&, const value& input) { return value{{"again", input}}; };
  n->register_job("resumable", second_life, job_options{1, 0});
  n->register_job("once", second_life);
  auto r = wait_for(n->job("resumable"), resumable,
                    [](const job_record& r) { return is(r, job_status::succeeded); });
  BOOST_TEST(r.attempts == 2u);
  BOOST_TEST(r.result == (value{{"again", 1}}));
  BOOST_TEST(has(r.error, "attempt 1 ended: node 'local' restarted while the job ran"), r.error);
  r = wait_for(n->job("once"), once, [](const job_record& r) { return is(r, job_status::failed); });
  BOOST_TEST(r.attempts == 1u);
  BOOST_TEST(has(r.error, "node 'local' restarted while the job ran"), r.error);
}

BOOST_AUTO_TEST_CASE(max_concurrency_over_the_limit_is_refused) {
  auto body = [](job_context&, const value& x) { return x; };
  try {
    n->register_job("wide", body, job_options{0, max_job_concurrency + 1});
    BOOST_FAIL("no error");
  } catch (const invalid_argument& e) {
    BOOST_TEST(e.code() == errc::invalid_argument);
    BOOST_TEST(has(e.what(), "job 'wide': max_concurrency 1001 is over the limit of 1000"),
               e.what());
  }
  BOOST_CHECK_THROW(n->job("wide").start(1), unknown_function); // nothing was registered
  n->register_job("wide", body, job_options{0, max_job_concurrency});
  auto id = n->job("wide").start(7);
  auto r = wait_for(n->job("wide"), id, [](const job_record& r) { return is(r, job_status::succeeded); });
  BOOST_TEST(r.result == 7);
}

BOOST_AUTO_TEST_SUITE_END()
