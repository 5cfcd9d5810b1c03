#pragma once
// wire::endpoint: the fast path to one other node, shared by every handle to a
// dict that node owns. It holds a pool of connections (one per concurrent
// caller), each checked once with a hello. Its port is learned from the node's
// CAF hello (remote_dict); until then, and after any failure, callers use the
// CAF path, which reconnects by itself and learns the port again.
#include "storage/op.hpp"

#include <mn/node_options.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace mn::wire {

class endpoint {
public:
  endpoint(peer owner, std::string self_name, std::string fingerprint,
           std::chrono::milliseconds connect_timeout, std::chrono::milliseconds request_timeout);
  ~endpoint();
  endpoint(const endpoint&) = delete;
  endpoint& operator=(const endpoint&) = delete;

  /// Sets the fast port (0: none). Thread-safe.
  void set_port(uint16_t port) noexcept { port_ = port; }
  bool ready() const noexcept { return port_.load() != 0; }

  /// Runs `x` on dict `dict` at the owner. The op's result is the owner's;
  /// the returned status is the transport's: unavailable (cannot connect, or
  /// the connection broke: the port is then forgotten) or timeout.
  storage::status call(const std::string& dict, storage::op& x);

  /// Runs function `name` on the node: x.a holds the argument's bytes; then
  /// x.out the result's bytes or x.result the function's error. Waits at most
  /// `timeout` (plus the request timeout for the network). The returned
  /// status is the transport's: unavailable (the call may have run when the
  /// connection broke after sending; never sent twice) or timeout.
  storage::status call_function(const std::string& name, storage::op& x,
                                std::chrono::milliseconds timeout);

  /// Closes idle connections (when the node stops).
  void close_all();

private:
  int take(storage::status& err);
  void give_back(int fd);

  peer owner_;
  std::string self_name_;
  std::string fingerprint_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds request_timeout_;
  std::atomic<uint16_t> port_{0};
  std::mutex mu_;
  std::vector<int> idle_;
};

} // namespace mn::wire
