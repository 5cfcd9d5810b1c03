#pragma once
// A cluster of real node processes (mn_test_node) on loopback ports picked
// free by the test, each with its own data directory. Every process is killed
// and reaped when the fixture goes, even when a test fails.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mn::test {

/// Ports free on 127.0.0.1 right now (held open together while picking).
std::vector<uint16_t> free_ports(int n);

/// One answer of mn_test_node: "ok <us> <text>" or "err <us> <text>".
struct reply {
  bool ok = false;
  long us = 0;
  std::string text;
};

class cluster {
public:
  /// `n` nodes named a, b, c, ...; not started.
  cluster(int n, std::vector<std::string> extra_args = {});
  ~cluster();

  /// Starts every node; new ports for all if one was taken meanwhile.
  void start_all();
  /// Starts (or restarts) node i and waits until it is ready.
  void start(int i);
  void kill(int i, int sig);
  bool running(int i) const { return nodes_[i].proc != nullptr; }

  /// Sends `command` to node i; fails the test if no answer within `within`.
  reply ask(int i, const std::string& command,
            std::chrono::milliseconds within = std::chrono::seconds(60));
  /// ask() in two halves, so that several nodes work at once: send to each,
  /// then receive from each.
  void send(int i, const std::string& command);
  reply receive(int i, std::chrono::milliseconds within = std::chrono::seconds(120));
  /// Starts an mn::client process talking to node i; ask it with client_ask().
  void start_client(int i);
  void client_send(const std::string& command);
  reply client_receive(std::chrono::milliseconds within = std::chrono::seconds(120));
  reply client_ask(const std::string& command,
                   std::chrono::milliseconds within = std::chrono::seconds(60));

  int size() const { return static_cast<int>(nodes_.size()); }
  std::string name(int i) const { return nodes_[i].name; }
  int index_of(const std::string& name) const;
  std::string address(int i) const;
  std::vector<std::string> args(int i) const;
  /// A dict name owned by node i (asking node `via` where dicts live).
  std::string dict_owned_by(int i, const std::string& prefix, int via = 0);

private:
  /// Starts node i; its first line ("ready" or why not).
  std::string launch(int i);

  struct node {
    std::string name;
    uint16_t port = 0;
    std::string dir;
    std::unique_ptr<child_process> proc;
  };
  temp_dir tmp_{"cluster"};
  std::vector<node> nodes_;
  std::vector<std::string> extra_;
  std::unique_ptr<child_process> client_;
};

reply parse_reply(const std::string& line);

} // namespace mn::test
