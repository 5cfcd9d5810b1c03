// Scheduled tasks across three real nodes that all schedule the same task:
// each period runs exactly once in the whole cluster, also after the node
// that ran the last period is killed.
#include "cluster/cluster_fixture.hpp"
#include "support/time_scale.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <sstream>
#include <thread>

using namespace mn::test;

namespace {

// "<period>:<count> ..." -> period -> count.
std::map<long long, long> parse_runs(const std::string& text) {
  std::map<long long, long> out;
  std::istringstream in{text};
  std::string item;
  while (in >> item) {
    auto colon = item.find(':');
    out[std::stoll(item.substr(0, colon))] = std::stol(item.substr(colon + 1));
  }
  return out;
}

// Asks node i for the runs of `task` until at least `n` periods ran (bounded).
std::map<long long, long> wait_runs(cluster& c, int i, const std::string& task, std::size_t n,
                                    std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  std::map<long long, long> runs;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.ask(i, "sruns " + task);
    if (r.ok) {
      runs = parse_runs(r.text);
      if (runs.size() >= n)
        return runs;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  BOOST_FAIL("only " << runs.size() << " periods of '" << task << "' ran, wanted " << n);
  return runs;
}

// Every period ran once, and periods follow each other by `step` ms with at
// most `gaps` missing.
void check_once_each(const std::map<long long, long>& runs, long long step, int gaps) {
  int missing = 0;
  long long prev = -1;
  for (auto& [period, count] : runs) {
    BOOST_TEST(count == 1, "period " << period << " ran " << count << " times");
    BOOST_TEST(period % step == 0);
    if (prev >= 0)
      missing += static_cast<int>((period - prev) / step - 1);
    prev = period;
  }
  BOOST_TEST(missing <= gaps, missing << " periods missing");
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_schedules)

BOOST_AUTO_TEST_CASE(each_period_runs_once_in_the_cluster_even_when_its_runner_dies) {
  cluster c{3};
  c.start_all();
  // 1 s periods, longer under the sanitizers (MN_TEST_TIME_SCALE): a period
  // whose claim cannot finish before the next one is due is lost, and under
  // ASan the first claims (new connections) took longer than 1 s once in
  // about 4 runs.
  long long step = scaled(std::chrono::milliseconds(1000)).count();
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(c.ask(i, "sched beat " + std::to_string(step)).text == "scheduled");
  auto runs = wait_runs(c, 0, "beat", 12, scaled(std::chrono::seconds(30)));
  check_once_each(runs, step, 0);
  // Kill the node that ran the last period.
  auto last = c.ask(0, "slast beat");
  BOOST_REQUIRE(last.ok);
  int victim = c.index_of(last.text);
  BOOST_TEST_MESSAGE("killing node " << last.text << " after " << runs.size() << " periods");
  auto before = runs.size();
  c.kill(victim, SIGKILL);
  int survivor = victim == 0 ? 1 : 0;
  runs = wait_runs(c, survivor, "beat", before + 8, scaled(std::chrono::seconds(40)));
  // One period may be lost: the one the victim claimed as it died.
  check_once_each(runs, step, 1);
}

BOOST_AUTO_TEST_SUITE_END()
