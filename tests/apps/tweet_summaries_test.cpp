// The seed's example application, end to end: real processes, real HTTP. On
// one node its scheduled task fills the dict and the endpoint answers from
// it (from the generator, and from a feed folder); on three nodes, unchanged,
// every node answers the same summaries and the task runs once per period.
#define BOOST_TEST_MODULE tweet_summaries_test
#include "cluster/cluster_fixture.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <mn/value.hpp>

#include <httplib.h>

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <thread>

using namespace mn::test;
using namespace std::chrono_literals;

namespace {

const std::string app = MN_TWEET_SUMMARIES;

// Starts the app and returns its HTTP port (from its "serving http://...:PORT/" line).
uint16_t start(std::unique_ptr<child_process>& p, std::vector<std::string> args) {
  args.insert(args.begin(), app);
  p = std::make_unique<child_process>(args);
  auto line = p->read_line(20s);
  BOOST_REQUIRE_MESSAGE(line && has(*line, "serving http://"), "no ready line");
  auto at = line->find("serving http://");
  auto colon = line->find(':', at + 15);
  return static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
}

// GET path on port until `ok(status, body)` holds (bounded); the last answer.
template <class Pred>
std::pair<int, mn::value> poll(uint16_t port, const std::string& path, Pred ok,
                               std::chrono::seconds within = 20s) {
  httplib::Client cli{"127.0.0.1", port};
  cli.set_connection_timeout(2);
  cli.set_read_timeout(5);
  std::pair<int, mn::value> last{0, nullptr};
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = cli.Get(path.c_str())) {
      last = {r->status, mn::value::parse(r->body, nullptr, false)};
      if (ok(last.first, last.second))
        return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  BOOST_FAIL("GET " << path << " on port " << port << " never answered as expected; last "
                    << last.first << " " << last.second.dump());
  return last;
}

bool has_subjects(int status, const mn::value& body) {
  return status == 200 && body.contains("subjects") && !body["subjects"].empty();
}

} // namespace

BOOST_AUTO_TEST_SUITE(tweet_summaries)

BOOST_AUTO_TEST_CASE(one_node_summarises_the_generator_and_serves_the_summaries) {
  temp_dir dir{"tweets1"};
  std::unique_ptr<child_process> p;
  auto port = start(p, {"--data-dir", dir / "data", "--http", "127.0.0.1:0", "--every-ms", "300"});
  auto [status, list] = poll(port, "/summaries", has_subjects);
  auto subject = list["subjects"][0].get<std::string>();
  auto [s2, summary] = poll(port, "/summaries/" + subject,
                            [](int st, const mn::value&) { return st == 200; });
  BOOST_TEST(summary["subject"] == subject);
  BOOST_TEST(!summary["summary"].get<std::string>().empty());
  BOOST_TEST(summary["keywords"].is_array());
  BOOST_TEST(summary["items"].get<int>() >= 1);
  BOOST_TEST(summary["period"].get<int64_t>() % 300 == 0);
  auto [s3, missing] = poll(port, "/summaries/no-such-subject",
                            [](int st, const mn::value&) { return st == 404; });
  BOOST_TEST(has(missing["message"].get<std::string>(), "no summary of 'no-such-subject'"));
  p->kill(SIGTERM);
  BOOST_TEST(p->wait(20s) == 0);
}

BOOST_AUTO_TEST_CASE(a_feed_folder_is_read_once_and_bad_files_are_set_aside) {
  temp_dir dir{"tweets_feed"};
  auto feed = dir / "feed";
  std::filesystem::create_directories(feed);
  std::ofstream{feed + "/001.txt"} << "subject: cats\nCats sleep all day in the sun.\n";
  std::ofstream{feed + "/002.txt"} << "subject: cats\nThe sun moves; the cats follow the sun.\n";
  std::ofstream{feed + "/003.txt"} << "no subject line here\n";
  std::unique_ptr<child_process> p;
  auto port = start(p, {"--data-dir", dir / "data", "--http", "127.0.0.1:0", "--every-ms", "300",
                        "--feed", feed});
  auto [status, cats] = poll(port, "/summaries/cats",
                             [](int st, const mn::value&) { return st == 200; });
  BOOST_TEST(cats["items"] == 2);
  BOOST_TEST(cats["keywords"][0] == "sun");
  BOOST_TEST(std::filesystem::exists(feed + "/001.txt.done"));
  BOOST_TEST(std::filesystem::exists(feed + "/003.txt.bad"));
  p->kill(SIGTERM);
  BOOST_TEST(p->wait(20s) == 0);
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_with_one_line) {
  temp_dir dir{"tweets_bad"};
  child_process p{{app, "--every-ms", "0", "--data-dir", dir / "data"}};
  BOOST_TEST(p.wait(20s) == 2);
  child_process q{{app, "--feed", dir / "missing", "--data-dir", dir / "data2", "--http",
                   "127.0.0.1:0", "--every-ms", "100", "--run-for", "2"}};
  BOOST_TEST(q.wait(20s) == 0); // runs; the task fails and says so (on stderr), nothing stops
}

BOOST_AUTO_TEST_CASE(three_nodes_unchanged_serve_the_same_summaries_once_per_period) {
  auto ports = free_ports(3);
  temp_dir dir{"tweets3"};
  std::vector<std::string> peers;
  const char* names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i)
    peers.push_back(std::string{"--peer="} + names[i] + "=127.0.0.1:" + std::to_string(ports[i]));
  std::unique_ptr<child_process> procs[3];
  uint16_t http[3];
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> args = {"--name", names[i], "--listen",
                                     "127.0.0.1:" + std::to_string(ports[i]), "--data-dir",
                                     dir / names[i], "--http", "127.0.0.1:0", "--every-ms", "500"};
    args.insert(args.end(), peers.begin(), peers.end());
    http[i] = start(procs[i], args);
  }
  auto [st, list] = poll(http[0], "/summaries", has_subjects);
  auto subject = list["subjects"][0].get<std::string>();
  // Every node answers from the one dict.
  std::this_thread::sleep_for(3s);
  auto [s0, from_a] = poll(http[0], "/summaries/" + subject,
                           [](int s, const mn::value&) { return s == 200; });
  for (int i = 1; i < 3; ++i) {
    auto [si, other] = poll(http[i], "/summaries/" + subject,
                            [](int s, const mn::value&) { return s == 200; });
    BOOST_TEST(other["subject"] == subject);
  }
  // Three nodes scheduled the task, yet it ran about once per period, not three times.
  auto [s4, periods] = poll(http[1], "/dicts/tweet_summaries_stats/periods",
                            [](int s, const mn::value&) { return s == 200; });
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count();
  BOOST_TEST(periods.get<int64_t>() >= 4);
  BOOST_TEST(periods.get<int64_t>() <= elapsed / 500 + 2, periods << " runs in " << elapsed << " ms");
  for (auto& p : procs) {
    p->kill(SIGTERM);
    BOOST_TEST(p->wait(20s) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
