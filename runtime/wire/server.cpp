#include "runtime/wire/server.hpp"

#include "runtime/detail/execute.hpp"
#include "runtime/wire/frame.hpp"
#include "runtime/wire/socket.hpp"

#include <map>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mn::wire {

server::server(config cfg) : cfg_(std::move(cfg)) {
  // nop
}

server::~server() {
  stop();
}

storage::status server::start(uint16_t& port) {
  std::string why;
  listen_fd_ = listen_on(cfg_.host, port, why);
  if (listen_fd_ < 0)
    return {errc::bad_config, "cannot open the fast-path port " + std::to_string(port) + " on "
                                + cfg_.host + ": " + why
                                + "; choose another --fast-port (0 = any free port)"};
  acceptor_ = std::thread{[this] { accept_loop(); }};
  return storage::status::ok();
}

void server::stop() {
  if (stopping_.exchange(true))
    return;
  if (listen_fd_ >= 0)
    ::shutdown(listen_fd_, SHUT_RDWR); // wakes accept()
  if (acceptor_.joinable())
    acceptor_.join();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  std::lock_guard<std::mutex> guard{mu_};
  for (auto& c : connections_)
    ::shutdown(c.fd, SHUT_RDWR); // wakes recv()
  for (auto& c : connections_) {
    if (c.worker.joinable())
      c.worker.join();
    ::close(c.fd);
  }
  connections_.clear();
}

void server::accept_loop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return; // shut down
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> guard{mu_};
    // Reap the threads of closed connections.
    for (auto i = connections_.begin(); i != connections_.end();) {
      if (i->done) {
        i->worker.join();
        ::close(i->fd);
        i = connections_.erase(i);
      } else {
        ++i;
      }
    }
    if (stopping_) {
      ::close(fd);
      return;
    }
    if (connections_.size() >= max_connections) {
      ::close(fd); // bounded threads: the caller sees the connection end at once
      continue;
    }
    // A caller says hello at once; a connection silent that long is not one.
    timeval hello_wait{hello_timeout_seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hello_wait, sizeof(hello_wait));
    auto& c = connections_.emplace_back();
    c.fd = fd;
    c.worker = std::thread{[this, &c] { serve(c); }};
  }
}

void server::serve(connection& c) {
  std::map<std::string, std::shared_ptr<detail::dict_handle>> handles;
  bool greeted = false;
  std::string body;
  std::string reply;
  bool timed_out = false;
  while (!stopping_ && recv_frame(c.fd, body, timed_out)) {
    uint8_t kind = 0;
    std::string dict;
    storage::op x;
    reply.clear();
    if (!read_request(body, kind, dict, x)) {
      x.result = {errc::invalid_argument, "malformed fast-path request"};
      write_response(reply, x);
      send_frame(c.fd, reply);
      break; // a peer that sends garbage gets no second chance
    }
    if (kind == hello_kind) {
      if (dict != cfg_.fingerprint)
        x.result = {errc::bad_config, "cluster membership differs between '" + x.key
                                        + "' and node '" + cfg_.self_name
                                        + "': " + cfg_.diff(cfg_.fingerprint, dict)
                                        + "; give every node the same --peer list"};
      greeted = x.result.is_ok();
      if (greeted) {
        timeval none{0, 0}; // a pooled connection may idle as long as it likes
        ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
      }
      x.out = cfg_.self_name;
    } else if (!greeted) {
      x.result = {errc::bad_config, "fast-path request before hello"};
    } else if (kind == fcall_kind) {
      if (cfg_.call_function)
        cfg_.call_function(dict, x);
      else
        x.result = {errc::unknown_function, "node '" + cfg_.self_name + "' runs no functions"};
    } else {
      auto& h = handles[dict];
      if (!h)
        x.result = cfg_.resolve(dict, h);
      if (h) {
        auto start = actors::op_clock::now();
        try {
          auto guard = h->enter();
          detail::execute(*h, x);
        } catch (const error& e) {
          x.result = {e.code(), e.what()};
        }
        if (auto* m = h->metrics()) // served here for another process (GET /metrics)
          m->record_since(x.kind, start, !x.result);
      }
    }
    write_response(reply, x);
    if (!send_frame(c.fd, reply))
      break;
  }
  ::shutdown(c.fd, SHUT_RDWR); // the peer sees the end now; the fd is closed when reaped
  c.done = true;
}

} // namespace mn::wire
