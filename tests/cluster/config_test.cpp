// mnode, the daemon: every bad option or configuration gives one clear line on
// stderr and a non-zero exit; SIGINT/SIGTERM stop it cleanly with exit 0.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mn::test;
using namespace std::chrono_literals;

namespace {

struct outcome {
  int code = -1;
  std::vector<std::string> lines; // stdout and stderr
};

// Runs mnode with `args` to its end (at most 60 s).
outcome run_mnode(const std::vector<std::string>& args) {
  std::string cmd = "exec '" MN_MNODE "'";
  for (auto& a : args)
    cmd += " '" + a + "'";
  child_process p{{"/bin/sh", "-c", cmd + " 2>&1"}};
  outcome out;
  while (auto line = p.read_line(60s))
    out.lines.push_back(*line);
  out.code = p.wait(60s);
  return out;
}

// mnode refuses `args` with exit code 2 and one line containing `part`.
void refuses(const std::vector<std::string>& args, const std::string& part) {
  auto out = run_mnode(args);
  BOOST_TEST(out.code == 2);
  BOOST_REQUIRE_EQUAL(out.lines.size(), 1u);
  BOOST_TEST(out.lines[0].rfind("mnode: ", 0) == 0, out.lines[0]);
  BOOST_TEST(out.lines[0].find(part) != std::string::npos, out.lines[0]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(mnode_config)

BOOST_AUTO_TEST_CASE(help_and_version) {
  auto out = run_mnode({"--help"});
  BOOST_TEST(out.code == 0);
  BOOST_TEST(out.lines.size() > 10u);
  out = run_mnode({"--version"});
  BOOST_TEST(out.code == 0);
  BOOST_TEST(out.lines.at(0).find("mnode (multinode-cpp)") == 0u);
}

BOOST_AUTO_TEST_CASE(bad_options_each_get_one_line) {
  temp_dir tmp{"mnode-config"};
  auto port = std::to_string(free_ports(1)[0]);
  auto listen = "127.0.0.1:" + port;
  refuses({"--colour", "blue"}, "unrecognised option '--colour'");
  refuses({"--listen", listen, "--peer", "b:127.0.0.1:1"}, "expected NAME=HOST:PORT");
  refuses({"--listen", listen, "--peer", "b=h:2", "--peer", "b=h:3"}, "duplicate node name 'b'");
  refuses({"--name", "a", "--listen", listen, "--peer", "z=" + listen},
          "names this node's address " + listen + " 'z', but this node is 'a'");
  std::ofstream{tmp / "file"} << "x";
  refuses({"--listen", listen, "--data-dir", tmp / "file"}, "is not a directory");
  refuses({"--config", tmp / "nope.ini"}, "cannot read config file");
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_refused) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  BOOST_REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  temp_dir tmp{"mnode-port"};
  refuses({"--listen", "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "--data-dir",
           tmp / "d"},
          "is the port in use?");
  // The same for the fast path's port.
  refuses({"--listen", "127.0.0.1:" + std::to_string(free_ports(1)[0]), "--fast-port",
           std::to_string(ntohs(addr.sin_port)), "--data-dir", tmp / "d2"},
          "cannot open the fast-path port");
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(sigterm_and_sigint_stop_cleanly) {
  temp_dir tmp{"mnode-signal"};
  for (int sig : {SIGTERM, SIGINT}) {
    auto port = std::to_string(free_ports(1)[0]);
    child_process p{{MN_MNODE, "--name", "solo", "--listen", "127.0.0.1:" + port, "--data-dir",
                     tmp / "d"}};
    auto line = p.read_line(60s);
    BOOST_REQUIRE(line);
    BOOST_TEST(line->find("mnode 'solo' ready on 127.0.0.1:" + port) == 0u, *line);
    p.kill(sig);
    BOOST_TEST(p.wait(30s) == 0);
    bool stopped = false;
    while (auto l = p.read_line(1s))
      stopped = stopped || *l == "mnode stopped";
    BOOST_TEST(stopped);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mnode_shutdown)

// SIGTERM in the middle of a write storm from another process: the node
// answers or refuses what is in flight, commits, and exits 0, every time.
BOOST_AUTO_TEST_CASE(sigterm_under_load_exits_cleanly) {
  temp_dir tmp{"mnode-load"};
  for (int round = 0; round < 4; ++round) {
    // Odd rounds: everything over CAF messages, the sharing scheduler.
    std::vector<std::string> extra;
    if (round % 2 == 1)
      extra = {"--no-fast-path", "--scheduler-policy", "sharing"};
    auto ports = free_ports(2);
    std::vector<std::string> peers;
    for (int i = 0; i < 2; ++i) {
      peers.push_back("--peer");
      peers.push_back(std::string(1, static_cast<char>('a' + i)) + "=127.0.0.1:"
                      + std::to_string(ports[i]));
    }
    std::vector<std::unique_ptr<child_process>> nodes;
    for (int i = 0; i < 2; ++i) {
      std::vector<std::string> args{MN_MNODE, "--name", std::string(1, static_cast<char>('a' + i)),
                                    "--listen", "127.0.0.1:" + std::to_string(ports[i]),
                                    "--data-dir", tmp / (std::to_string(round) + "-" + std::to_string(i))};
      args.insert(args.end(), peers.begin(), peers.end());
      args.insert(args.end(), extra.begin(), extra.end());
      nodes.push_back(std::make_unique<child_process>(args));
      auto line = nodes.back()->read_line(60s);
      BOOST_REQUIRE_MESSAGE(line && line->find("ready on") != std::string::npos,
                            (line ? *line : "no output"));
    }
    std::vector<std::string> client_args{MN_TEST_NODE, "client",
                                         "127.0.0.1:" + std::to_string(ports[0]),
                                         "--request-timeout-ms", "2000"};
    client_args.insert(client_args.end(), extra.begin(), extra.end());
    child_process client{client_args};
    BOOST_REQUIRE(client.read_line(60s) == std::optional<std::string>{"ready"});
    // Writes to dicts on both nodes, 16 threads each, while the nodes stop.
    for (int d = 0; d < 4; ++d)
      client.write_line("incr_many load" + std::to_string(d) + " n 100000 16");
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 200 * round));
    for (auto& n : nodes)
      n->kill(SIGTERM);
    for (auto& n : nodes) {
      auto code = n->try_wait(30s);
      if (!code) { // a hang: keep its threads' stacks in the log, then kill it
        auto file = tmp / ("hang-" + std::to_string(n->pid()) + ".txt");
        std::system(("gdb -batch -p " + std::to_string(n->pid())
                     + " -ex 'thread apply all bt' > " + file + " 2>&1").c_str());
        std::ifstream in{file};
        std::string stacks{std::istreambuf_iterator<char>(in), {}};
        BOOST_TEST_MESSAGE("stacks of the hung node:\n" << stacks);
        std::ofstream{"/tmp/mn-hang-stacks.txt"} << stacks;
      }
      // 0: a clean stop; 3: mnode's shutdown watchdog (CAF hung at the very end,
      // after every dict committed); anything else, or no exit at all, fails.
      if (code && *code == 3)
        BOOST_TEST_MESSAGE("round " << round << ": mnode left through its shutdown watchdog");
      BOOST_TEST((code && (*code == 0 || *code == 3)),
                 "round " << round << ": a node " << (code ? "ended with " + std::to_string(*code)
                                                           : std::string{"hung for 30 s"}));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
