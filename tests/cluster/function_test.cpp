// Functions across three real nodes and a client: calls land on nodes that
// registered them, map spreads over all of them in input order, errors name
// the node, and a dead node's share goes to the others.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

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
