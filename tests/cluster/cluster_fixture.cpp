#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mn::test {

using namespace std::chrono_literals;

std::vector<uint16_t> free_ports(int n) {
  std::vector<int> fds;
  std::vector<uint16_t> out;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      throw std::runtime_error("cannot pick a free port");
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    out.push_back(ntohs(addr.sin_port));
    fds.push_back(fd);
  }
  for (int fd : fds)
    ::close(fd);
  return out;
}

reply parse_reply(const std::string& line) {
  reply r;
  auto a = line.find(' ');
  auto b = line.find(' ', a + 1);
  r.ok = line.compare(0, a, "ok") == 0;
  r.us = std::stol(line.substr(a + 1, b - a - 1));
  r.text = b == std::string::npos ? "" : line.substr(b + 1);
  return r;
}

cluster::cluster(int n, std::vector<std::string> extra_args) : extra_(std::move(extra_args)) {
  auto ports = free_ports(n);
  for (int i = 0; i < n; ++i) {
    node x;
    x.name = std::string(1, static_cast<char>('a' + i));
    x.port = ports[i];
    x.dir = tmp_ / x.name;
    nodes_.push_back(std::move(x));
  }
}

cluster::~cluster() {
  client_.reset();
  for (auto& x : nodes_)
    x.proc.reset(); // SIGKILL + reap if still running
}

std::string cluster::address(int i) const {
  return "127.0.0.1:" + std::to_string(nodes_[i].port);
}

int cluster::index_of(const std::string& name) const {
  for (int i = 0; i < size(); ++i)
    if (nodes_[i].name == name)
      return i;
  return -1;
}

std::vector<std::string> cluster::args(int i) const {
  std::vector<std::string> out{MN_TEST_NODE, "--name", nodes_[i].name, "--listen", address(i),
                               "--data-dir", nodes_[i].dir, "--request-timeout-ms", "2000",
                               "--connect-timeout-ms", "2000", "--heartbeat-ms", "200"};
  for (int j = 0; j < size(); ++j) {
    out.push_back("--peer");
    out.push_back(nodes_[j].name + "=" + address(j));
  }
  out.insert(out.end(), extra_.begin(), extra_.end());
  return out;
}

void cluster::start_all() {
  // Ports are picked free before any node starts, then released: something
  // else may take one in between (seen about once in 60 starts under ASan).
  // While no node runs yet, new ports for all is harmless: tried 3 times.
  for (int attempt = 0;; ++attempt) {
    std::string refused;
    for (int i = 0; i < size() && refused.empty(); ++i)
      if (auto line = launch(i); line != "ready")
        refused = line;
    if (refused.empty())
      return;
    bool port_taken = refused.find("is the port in use") != std::string::npos;
    BOOST_REQUIRE_MESSAGE(port_taken && attempt < 2, "a node did not start: " << refused);
    BOOST_TEST_MESSAGE("a picked port was taken meanwhile; new ports for all: " << refused);
    for (auto& x : nodes_)
      x.proc.reset();
    auto ports = free_ports(size());
    for (int i = 0; i < size(); ++i)
      nodes_[i].port = ports[i];
  }
}

std::string cluster::launch(int i) {
  auto& x = nodes_[i];
  x.proc.reset();
  x.proc = std::make_unique<child_process>(args(i));
  auto line = x.proc->read_line(60s);
  return line ? *line : "(nothing)";
}

void cluster::start(int i) {
  auto line = launch(i);
  BOOST_REQUIRE_MESSAGE(line == "ready", "node " << nodes_[i].name << " did not start: " << line);
}

void cluster::kill(int i, int sig) {
  auto& x = nodes_[i];
  x.proc->kill(sig);
  if (sig == SIGKILL) {
    x.proc->wait(30s);
    x.proc.reset();
  }
}

reply cluster::ask(int i, const std::string& command, std::chrono::milliseconds within) {
  BOOST_REQUIRE_MESSAGE(nodes_[i].proc, "node " << nodes_[i].name << " is not running");
  auto line = nodes_[i].proc->ask(command, within);
  BOOST_REQUIRE_MESSAGE(line, "node " << nodes_[i].name << " gave no answer to '" << command
                                      << "' within " << within.count() << " ms");
  return parse_reply(*line);
}

void cluster::send(int i, const std::string& command) {
  BOOST_REQUIRE_MESSAGE(nodes_[i].proc, "node " << nodes_[i].name << " is not running");
  BOOST_REQUIRE(nodes_[i].proc->write_line(command));
}

reply cluster::receive(int i, std::chrono::milliseconds within) {
  auto line = nodes_[i].proc->read_line(within);
  BOOST_REQUIRE_MESSAGE(line, "node " << nodes_[i].name << " gave no answer within "
                                      << within.count() << " ms");
  return parse_reply(*line);
}

void cluster::client_send(const std::string& command) {
  BOOST_REQUIRE(client_->write_line(command));
}

reply cluster::client_receive(std::chrono::milliseconds within) {
  auto line = client_->read_line(within);
  BOOST_REQUIRE_MESSAGE(line, "the client gave no answer");
  return parse_reply(*line);
}

void cluster::start_client(int i) {
  client_ = std::make_unique<child_process>(std::vector<std::string>{
    MN_TEST_NODE, "client", address(i), "--request-timeout-ms", "2000",
    "--connect-timeout-ms", "2000", "--heartbeat-ms", "200"});
  auto line = client_->read_line(60s);
  BOOST_REQUIRE_MESSAGE(line && *line == "ready",
                        "client did not start: " << (line ? *line : "(nothing)"));
}

reply cluster::client_ask(const std::string& command, std::chrono::milliseconds within) {
  auto line = client_->ask(command, within);
  BOOST_REQUIRE_MESSAGE(line, "the client gave no answer to '" << command << "'");
  return parse_reply(*line);
}

std::string cluster::dict_owned_by(int i, const std::string& prefix, int via) {
  for (int k = 0; k < 200; ++k) {
    auto name = prefix + std::to_string(k);
    auto r = ask(via, "owner " + name);
    if (r.ok && r.text == nodes_[i].name)
      return name;
  }
  BOOST_FAIL("no dict name owned by " << nodes_[i].name);
  return {};
}

} // namespace mn::test
