#pragma once
// wire::server: the owner's side of the fast path. One thread accepts, one
// thread per connection serves its requests in order: reads straight from the
// dict's LMDB snapshot, writes through the dict's actor (group commit), so a
// fast-path write is as durable and as serialised as any other.
#include "storage/op.hpp"
#include "storage/status.hpp"

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mn::detail {
class dict_handle;
} // namespace mn::detail

namespace mn::wire {

class server {
public:
  /// Connections served at once; more are closed as soon as accepted (each
  /// costs a thread; a caller holds one per thread calling at the same time).
  static constexpr std::size_t max_connections = 4096;
  /// A connection that has not said hello within this long is closed.
  static constexpr long hello_timeout_seconds = 10;

  struct config {
    std::string host;        // interface to listen on (the node's --listen host)
    std::string self_name;
    std::string fingerprint; // the membership; a caller's must be the same
    std::function<std::string(const std::string&, const std::string&)> diff;
    /// The handle of a dict this node owns, or an error (not the owner, bad
    /// name, stopping).
    std::function<storage::status(const std::string& dict,
                                  std::shared_ptr<detail::dict_handle>& out)>
      resolve;
    /// Runs function `name` on x.a (argument bytes) for at most x.count ms;
    /// sets x.out (result bytes) or x.result. Blocks. Unset: no functions.
    std::function<void(const std::string& name, storage::op& x)> call_function;
  };

  explicit server(config cfg);
  ~server();

  /// Starts listening on cfg.host at `port` (0: a free one, then set).
  /// Errors: bad_config.
  storage::status start(uint16_t& port);
  /// Stops accepting, closes every connection, waits for their threads.
  void stop();

private:
  struct connection {
    int fd = -1;
    std::thread worker;
    std::atomic<bool> done{false};
  };
  void accept_loop();
  void serve(connection& c);

  config cfg_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<connection> connections_;
};

} // namespace mn::wire
