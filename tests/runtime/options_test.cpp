// node_options: command line, config file, and every bad configuration.
#include "support/temp_dir.hpp"

#include <mn/error.hpp>
#include <mn/node_options.hpp>

#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <fstream>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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
  BOOST_TEST(has(refusal({"--function-threads", "0"}), "--function-threads must be between 1 and 4096"));
  // Negative numbers read as huge sizes: refused, not used.
  BOOST_TEST(has(refusal({"--function-threads", "-1"}), "--function-threads must be between 1 and 4096"));
  BOOST_TEST(has(refusal({"--threads", "-1"}), "--threads must be between 0 (one per core) and 1024"));
  BOOST_TEST(has(refusal({"--initial-map-mb", "0"}), "--initial-map-mb must be between 1 and 1048576"));
  BOOST_TEST(has(refusal({"--initial-map-mb", "-1"}), "--initial-map-mb must be between 1 and 1048576"));
}

// Found with fuzz/runtime/node_options_fuzz.cpp: Boost.ProgramOptions' message
// for an option or value that holds its own placeholder ("%value%") never
// finished (mnode --threads %value% spun, its memory growing). Each case runs
// in a child process, so that a regression fails within 10 s instead of
// hanging the suite.
BOOST_AUTO_TEST_CASE(percent_placeholders_get_a_message_not_a_hang) {
  test::temp_dir dir{"options-percent"};
  std::ofstream{dir / "p.ini"} << "%canonical_option% = 1\n";
  std::vector<std::pair<std::vector<std::string>, std::string>> cases{
    {{"--threads", "%value%"}, "the argument for option '--threads' is invalid"},
    {{"--h%canonical_option%"}, "unrecognised option '--h%canonical_option%'"},
    {{"--config", dir / "p.ini"}, "unrecognised option '%canonical_option%'"},
    {{"--data-dir", "/tmp/100%", "--colour", "x"}, "unrecognised option '--colour'"},
  };
  for (auto& [args, says] : cases) {
    BOOST_TEST_CONTEXT(args.front() << " " << args.back()) {
      int fds[2];
      BOOST_REQUIRE(::pipe(fds) == 0);
      pid_t pid = ::fork();
      BOOST_REQUIRE(pid >= 0);
      if (pid == 0) { // the child: parse, write the message, exit
        ::close(fds[0]);
        std::string message = "accepted";
        try {
          parse(args);
        } catch (const invalid_argument& e) {
          message = e.what();
        }
        auto n = ::write(fds[1], message.data(), message.size());
        ::_exit(n == static_cast<ssize_t>(message.size()) ? 0 : 1);
      }
      ::close(fds[1]);
      std::string message;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()).count();
        pollfd p{fds[0], POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
          break; // timed out
        char buf[512];
        auto n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0)
          break; // the child is done
        message.append(buf, static_cast<std::size_t>(n));
      }
      ::close(fds[0]);
      ::kill(pid, SIGKILL); // gone already unless it hung
      int status = 0;
      ::waitpid(pid, &status, 0);
      BOOST_TEST(has(message, says));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
