// An acknowledged write is on disk: a child process prints each key once its
// set() returned; we SIGKILL it mid-stream, reopen its data directory, and
// find every printed key. Repeated, with kills at different moments.
#include "runtime/fixture.hpp"
#include "support/child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <random>

using namespace mn;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(durability)

BOOST_AUTO_TEST_CASE(every_acknowledged_write_survives_kill_9) {
  test::temp_dir dir{"durability"};
  auto data = dir / "data";
  std::mt19937 rng{20261130}; // fixed seed: the same kill points every run
  long total_checked = 0;
  for (int round = 0; round < 20; ++round) {
    long last_acked = -1;
    std::string prefix = "r" + std::to_string(round) + "-";
    {
      test::child_process child{{MN_TEST_CHILD, "writer", data, "100000", prefix}};
      long stop_after = std::uniform_int_distribution<long>{1, 60}(rng);
      while (last_acked < stop_after) {
        auto line = child.read_line(30s);
        BOOST_REQUIRE_MESSAGE(line, "writer stopped printing in round " << round);
        last_acked = std::stol(*line);
      }
      child.kill(SIGKILL);
      BOOST_TEST(child.wait(30s) == 128 + SIGKILL);
      // Lines printed after our last read are acknowledged too: read them.
      while (auto line = child.read_line(100ms))
        last_acked = std::stol(*line);
    }
    mn::node_options opts;
    opts.data_dir = data;
    mn::node node{opts};
    auto d = node.get_dict("durable");
    for (long i = 0; i <= last_acked; ++i) {
      auto v = d.get(prefix + std::to_string(i));
      BOOST_REQUIRE_MESSAGE(v, "round " << round << ": acknowledged key " << prefix << i << " lost");
      BOOST_TEST(*v == i);
    }
    total_checked += last_acked + 1;
  }
  BOOST_TEST_MESSAGE("checked " << total_checked << " acknowledged writes over 20 kills");
}

BOOST_AUTO_TEST_SUITE_END()
