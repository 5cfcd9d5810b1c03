// Functions across three real nodes and a client: calls land on nodes that
// registered them, map spreads over all of them in input order, errors name
// the node, and a dead node's share goes to the others.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
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

// A job started from a client runs on some node and is seen from every node;
// when that node is killed, the survivors mark the job FAILED, naming it.
BOOST_AUTO_TEST_CASE(a_job_whose_node_dies_is_marked_failed) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  // The records live in dict __jobs; its owner must survive to record the
  // failure, so start jobs until one runs on another node.
  auto records_owner = c.client_ask("owner __jobs").text;
  reply id;
  std::string runner;
  for (int job = 0; job < 12 && (runner.empty() || runner == records_owner); ++job) {
    id = c.client_ask("jstart spin 60");
    BOOST_REQUIRE_MESSAGE(id.ok, id.text);
    runner.clear();
    for (int i = 0; i < 500 && runner.empty(); ++i) {
      auto r = c.ask(1, "jget spin " + id.text);
      BOOST_REQUIRE_MESSAGE(r.ok, r.text);
      if (r.text.rfind("RUNNING", 0) == 0)
        runner = r.text.substr(r.text.find("node=") + 5, 1);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  BOOST_REQUIRE(!runner.empty());
  BOOST_REQUIRE(runner != records_owner);
  int dead = c.index_of(runner);
  int other = c.index_of(records_owner);
  c.kill(dead, SIGKILL);
  reply r;
  for (int i = 0; i < 150; ++i) { // the reapers look every 2 s
    r = c.ask(other, "jget spin " + id.text);
    if (r.ok && r.text.rfind("FAILED", 0) == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(r.text.rfind("FAILED", 0) == 0, r.text);
  BOOST_TEST(r.text.find("node '" + runner + "' cannot be reached") != std::string::npos, r.text);
}

BOOST_AUTO_TEST_SUITE_END()
