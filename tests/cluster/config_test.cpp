// mnode, the daemon: every bad option or configuration gives one clear line on
// stderr and a non-zero exit; SIGINT/SIGTERM stop it cleanly with exit 0.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>

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
