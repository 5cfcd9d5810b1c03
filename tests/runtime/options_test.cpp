// node_options: command line, config file, and every bad configuration.
#include "support/temp_dir.hpp"

#include <mn/error.hpp>
#include <mn/node_options.hpp>

#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace mn;
using mn::test::has;

namespace {

node_options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mnode");
  std::vector<const char*> argv;
  for (auto& a : args)
    argv.push_back(a.c_str());
  return node_options::from_command_line(static_cast<int>(argv.size()), argv.data());
}

// The bad_config message for `args`.
std::string refusal(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const invalid_argument& e) {
    BOOST_TEST(e.code() == errc::bad_config);
    return e.what();
  }
  BOOST_FAIL("accepted");
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(command_line_sets_everything) {
  auto o = parse({"--name", "a", "--listen", "127.0.0.1:4242", "--peer", "a=127.0.0.1:4242",
                  "--peer", "b=127.0.0.1:4243", "--data-dir", "/x", "--durability", "relaxed",
                  "--request-timeout-ms", "1500", "--heartbeat-ms", "0", "--threads", "3",
                  "--scheduler-policy", "sharing"});
  BOOST_TEST(o.name == "a");
  BOOST_TEST(o.peers.size() == 2u);
  BOOST_TEST(o.peers[1].to_string() == "b=127.0.0.1:4243");
  BOOST_TEST(o.data_dir == "/x");
  BOOST_TEST((o.durability == durability::relaxed));
  BOOST_TEST(o.request_timeout.count() == 1500);
  BOOST_TEST(o.heartbeat_interval.count() == 0);
  BOOST_TEST(o.scheduler_threads == 3u);
  BOOST_TEST(o.scheduler_policy == "sharing");
}

BOOST_AUTO_TEST_CASE(config_file_fills_in_and_the_command_line_wins) {
  test::temp_dir dir{"options"};
  auto file = dir / "node.ini";
  std::ofstream{file} << "name = fromfile\nlisten = 127.0.0.1:5000\npeer = x=127.0.0.1:5001\n"
                         "peer = y=127.0.0.1:5002\ndata-dir = /from/file\n";
  auto o = parse({"--config", file, "--data-dir", "/from/cli"});
  BOOST_TEST(o.name == "fromfile");
  BOOST_TEST(o.listen == "127.0.0.1:5000");
  BOOST_TEST(o.peers.size() == 2u);
  BOOST_TEST(o.data_dir == "/from/cli");
  BOOST_TEST(has(refusal({"--config", dir / "missing.ini"}), "cannot read config file"));
  std::ofstream{dir / "bad.ini"} << "colour = blue\n";
  BOOST_TEST(has(refusal({"--config", dir / "bad.ini"}), "colour"));
}

BOOST_AUTO_TEST_CASE(every_bad_configuration_is_one_clear_line) {
  BOOST_TEST(has(refusal({"--colour", "blue"}), "unrecognised option '--colour'"));
  BOOST_TEST(has(refusal({"--listen", "nohost"}), "malformed --listen 'nohost'"));
  BOOST_TEST(has(refusal({"--listen", "127.0.0.1:99999"}), "port must be a number"));
  BOOST_TEST(has(refusal({"--listen", "h:1", "--peer", "b127.0.0.1:1"}),
                 "expected NAME=HOST:PORT"));
  BOOST_TEST(has(refusal({"--listen", "h:1", "--peer", "b=127.0.0.1"}), "malformed --peer b"));
  BOOST_TEST(has(refusal({"--listen", "h:1", "--peer", "b=h:2", "--peer", "b=h:3"}),
                 "duplicate node name 'b'"));
  BOOST_TEST(has(refusal({"--name", "a", "--listen", "h:1", "--peer", "b=h:1"}),
                 "names this node's address h:1 'b', but this node is 'a'"));
  BOOST_TEST(has(refusal({"--name", "a", "--listen", "h:1", "--peer", "a=h:2"}),
                 "make --listen and the peer entry agree"));
  BOOST_TEST(has(refusal({"--peer", "b=h:2"}), "has peers but no --listen"));
  BOOST_TEST(has(refusal({"--name", "no spaces"}), "invalid node name"));
  BOOST_TEST(has(refusal({"--durability", "maybe"}), "unknown --durability 'maybe'"));
  BOOST_TEST(has(refusal({"--request-timeout-ms", "0"}), "timeouts must be positive"));
  BOOST_TEST(has(refusal({"--scheduler-policy", "fifo"}), "unknown scheduler policy"));
  BOOST_TEST(has(refusal({"--threads", "many"}), "threads"));
  BOOST_TEST(has(refusal({"--function-threads", "0"}), "--function-threads must be at least 1"));
}

BOOST_AUTO_TEST_SUITE_END()
