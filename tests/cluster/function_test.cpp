// Functions across three real nodes and a client: calls land on nodes that
// registered them, map spreads over all of them in input order, errors name
// the node, and a dead node's share goes to the others. Jobs: a dead node's
// job fails, or runs again elsewhere with max_retries; max_concurrency holds
// across the cluster.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace mn::test;

BOOST_AUTO_TEST_SUITE(cluster_functions)

BOOST_AUTO_TEST_CASE(calls_and_maps_across_nodes) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  BOOST_TEST(c.client_ask("call square 7").text == "49");
  BOOST_TEST(c.ask(1, "call square 12").text == "144");
  // map: results in input order, and every node takes a share.
  auto r = c.ask(0, "squaremap 3000");
  BOOST_TEST(r.text == "8995500500 ordered", r.text);
  r = c.client_ask("whomap 600");
  BOOST_TEST(r.ok, r.text);
  BOOST_TEST(r.text.find("a=") != std::string::npos, r.text);
  BOOST_TEST(r.text.find("b=") != std::string::npos, r.text);
  BOOST_TEST(r.text.find("c=") != std::string::npos, r.text);
  // Errors.
  r = c.client_ask("call boom 1");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.text.rfind("function_failed: function 'boom' failed on node '", 0) == 0, r.text);
  BOOST_TEST(r.text.find("boom 1") != std::string::npos, r.text);
  r = c.ask(2, "call nosuch 1");
  BOOST_TEST(r.text.rfind("unknown_function:", 0) == 0, r.text);
}

// Futures, actors calling without blocking, and a function that is an actor,
// over the fast path and over CAF alone.
BOOST_AUTO_TEST_CASE(async_calls_and_actor_functions_across_nodes) {
  for (bool fast : {true, false}) {
    BOOST_TEST_CONTEXT("fast path " << (fast ? "on" : "off")) {
      cluster c{3, fast ? std::vector<std::string>{} : std::vector<std::string>{"--no-fast-path"}};
      c.start_all();
      c.start_client(0);
      BOOST_TEST(c.client_ask("call cube 3").text == "27");
      BOOST_TEST(c.ask(1, "call cube -2").text == "-8");
      BOOST_TEST(c.ask(1, "acall square 1000").text == "332833500");
      BOOST_TEST(c.ask(2, "actorcall square 500").text == "41541750");
      BOOST_TEST(c.client_ask("acall cube 200").text == "396010000");
      BOOST_TEST(c.client_ask("actorcall cube 300").text == "2011522500");
      auto r = c.ask(0, "actorcall boom 3");
      BOOST_TEST(r.text.rfind("function_failed: function 'boom' failed on node '", 0) == 0,
                 r.text);
      r = c.client_ask("actorcall nosuch 2");
      BOOST_TEST(r.text.rfind("unknown_function:", 0) == 0, r.text);
    }
  }
}

// A remote body may run on the fast path's connection thread: the caller
// still gets mn::timeout on time, and the next calls work.
BOOST_AUTO_TEST_CASE(remote_calls_time_out_on_time) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  for (int i = 0; i < 3; ++i) { // lands on each node in turn
    auto r = c.client_ask("call nap 2000");
    BOOST_TEST(r.text.rfind("timeout: function 'nap'", 0) == 0, r.text);
    BOOST_TEST(r.us < 1500000, r.us);
    BOOST_TEST(c.client_ask("call nap 10").text == "10");
  }
}

BOOST_AUTO_TEST_CASE(a_dead_node_leaves_the_work_to_the_others) {
  cluster c{3};
  c.start_all();
  BOOST_REQUIRE(c.ask(0, "whomap 30").ok); // connects to everyone
  c.kill(2, SIGKILL);
  // A call sent to the dead node fails as unavailable, naming it (the body
  // may have run there: no silent retry without max_retries); then the dead
  // node is forgotten and calls go to the others.
  int failures = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = c.ask(0, "call square 3");
    if (!r.ok) {
      ++failures;
      BOOST_TEST(r.text.rfind("unavailable:", 0) == 0, r.text);
      BOOST_TEST(r.text.find("node 'c'") != std::string::npos, r.text);
      continue;
    }
    BOOST_TEST(r.text == "9", r.text);
  }
  BOOST_TEST(failures <= 1);
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(c.ask(0, "call square 4").text == "16");
  reply r;
  for (int attempt = 0; attempt < 20; ++attempt) { // the list of who runs what refreshes
    r = c.ask(1, "whomap 90");
    if (r.ok && r.text.find("c=") == std::string::npos)
      break;
  }
  BOOST_TEST(r.ok, r.text);
  BOOST_TEST(r.text.find("c=") == std::string::npos, r.text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cluster_jobs)

namespace {

// Starts `job` jobs from the client until one runs on a node other than
// `avoid`; that job's id and node.
std::pair<std::string, std::string> running_away_from(cluster& c, const std::string& job,
                                                      const std::string& input,
                                                      const std::string& avoid) {
  std::string id, runner;
  for (int attempt = 0; attempt < 12 && (runner.empty() || runner == avoid); ++attempt) {
    auto started = c.client_ask("jstart " + job + " " + input);
    BOOST_REQUIRE_MESSAGE(started.ok, started.text);
    id = started.text;
    runner.clear();
    for (int i = 0; i < 500 && runner.empty(); ++i) {
      auto r = c.ask(1, "jget " + job + " " + id);
      BOOST_REQUIRE_MESSAGE(r.ok, r.text);
      if (r.text.rfind("RUNNING", 0) == 0)
        runner = r.text.substr(r.text.find("node=") + 5, 1);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  BOOST_REQUIRE(!runner.empty());
  BOOST_REQUIRE(runner != avoid);
  return {id, runner};
}

// Asks node i for job `id` until its status starts with `status`, or it has
// ended otherwise (at most `within`); the last answer.
reply wait_status(cluster& c, int i, const std::string& job, const std::string& id,
                  const std::string& status, std::chrono::seconds within) {
  reply r;
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    r = c.ask(i, "jget " + job + " " + id);
    if (r.ok && r.text.rfind(status, 0) == 0)
      break;
    if (r.ok && r.text.rfind("RUNNING", 0) != 0 && r.text.rfind("PENDING", 0) != 0
        && r.text.rfind("CANCELLING", 0) != 0)
      break; // ended otherwise
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

} // namespace

// A job started from a client runs on some node and is seen from every node;
// when that node is killed, the survivors mark the job FAILED, naming it.
BOOST_AUTO_TEST_CASE(a_job_whose_node_dies_is_marked_failed) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  // The records live in dict __jobs; its owner must survive to record the
  // failure, so start jobs until one runs on another node.
  auto records_owner = c.client_ask("owner __jobs").text;
  auto [id, runner] = running_away_from(c, "spin", "60", records_owner);
  c.kill(c.index_of(runner), SIGKILL);
  // The reapers look every 2 s.
  auto r = wait_status(c, c.index_of(records_owner), "spin", id, "FAILED", std::chrono::seconds(15));
  BOOST_TEST(r.text.rfind("FAILED", 0) == 0, r.text);
  BOOST_TEST(r.text.find("attempts=1 ") != std::string::npos, r.text);
  BOOST_TEST(r.text.find("node '" + runner + "' cannot be reached") != std::string::npos, r.text);
}

// With max_retries 1, the job of a killed node runs again on a survivor and
// succeeds there.
BOOST_AUTO_TEST_CASE(a_job_with_max_retries_runs_again_on_another_node_when_its_node_dies) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  auto records_owner = c.client_ask("owner __jobs").text;
  auto [id, runner] = running_away_from(c, "rspin", "3", records_owner);
  c.kill(c.index_of(runner), SIGKILL);
  // Reaper pass (2 s) + the second run (3 s), with room to spare.
  auto r = wait_status(c, c.index_of(records_owner), "rspin", id, "SUCCEEDED",
                       std::chrono::seconds(30));
  BOOST_TEST(r.text.rfind("SUCCEEDED", 0) == 0, r.text);
  BOOST_TEST(r.text.find("attempts=2 ") != std::string::npos, r.text);
  BOOST_TEST(r.text.find("node=" + runner) == std::string::npos, r.text);
  BOOST_TEST(r.text.find("attempt 1 ended: node '" + runner + "' cannot be reached")
               != std::string::npos,
             r.text);
}

// Three nodes run job "limited" (max_concurrency 2); eight started at once
// from a client never run more than two at a time, and all finish.
BOOST_AUTO_TEST_CASE(max_concurrency_holds_across_the_cluster) {
  cluster c{3};
  c.start_all();
  for (int i = 0; i < c.size(); ++i) // connected one after the other, not all at once
    BOOST_REQUIRE(c.ask(i, "whomap 30").ok);
  c.start_client(0);
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    auto started = c.client_ask("jstart limited 300");
    BOOST_REQUIRE_MESSAGE(started.ok, started.text);
    ids.push_back(started.text);
  }
  std::set<std::string> runners;
  for (auto& id : ids) {
    auto r = wait_status(c, 2, "limited", id, "SUCCEEDED", std::chrono::seconds(60));
    BOOST_TEST(r.text.rfind("SUCCEEDED", 0) == 0, r.text);
    runners.insert(r.text.substr(r.text.find("node=") + 5, 1));
  }
  BOOST_TEST(c.client_ask("get jobstats max").text == "2");
  BOOST_TEST(c.client_ask("get jobstats running").text == "0");
  BOOST_TEST_MESSAGE("nodes that ran them: " << runners.size());
}

BOOST_AUTO_TEST_SUITE_END()
