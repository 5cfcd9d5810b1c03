#include "runtime/wire/client.hpp"

#include "runtime/wire/frame.hpp"
#include "runtime/wire/socket.hpp"

#include <algorithm>

#include <poll.h>
#include <unistd.h>

namespace mn::wire {

endpoint::endpoint(peer owner, std::string self_name, std::string fingerprint,
                   std::chrono::milliseconds connect_timeout,
                   std::chrono::milliseconds request_timeout)
  : owner_(std::move(owner)), self_name_(std::move(self_name)),
    fingerprint_(std::move(fingerprint)), connect_timeout_(connect_timeout),
    request_timeout_(request_timeout) {
  // nop
}

endpoint::~endpoint() {
  close_all();
}

void endpoint::close_all() {
  std::lock_guard<std::mutex> guard{mu_};
  for (int fd : idle_)
    ::close(fd);
  idle_.clear();
}

int endpoint::take(storage::status& err) {
  {
    std::lock_guard<std::mutex> guard{mu_};
    while (!idle_.empty()) {
      int fd = idle_.back();
      idle_.pop_back();
      // The owner never speaks first: an idle connection that is readable was
      // closed by the other end (the node stopped or restarted).
      pollfd p{fd, POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) == 0)
        return fd;
      ::close(fd);
    }
  }
  uint16_t port = port_;
  auto label = "node '" + owner_.name + "' (" + owner_.host + ":" + std::to_string(port) + ")";
  std::string why;
  int fd = connect_to(owner_.host, port, connect_timeout_, request_timeout_, why);
  if (fd < 0) {
    port_ = 0;
    err = {errc::unavailable, label + " cannot be reached: " + why
                                + "; calls fail until the node is back (retried automatically)"};
    return -1;
  }
  storage::op hello;
  hello.key = self_name_;
  std::string body;
  write_request(body, hello_kind, fingerprint_, hello);
  bool timed_out = false;
  if (!send_frame(fd, body) || !recv_frame(fd, body, timed_out) || !read_response(body, hello)) {
    ::close(fd);
    port_ = 0;
    err = timed_out ? storage::status{errc::timeout,
                                      label + " accepted a connection but did not answer within "
                                        "the request timeout; it may be overloaded or frozen"}
                    : storage::status{errc::unavailable,
                                      label + " closed the connection during the hello; calls "
                                              "fail until the node is back (retried "
                                              "automatically)"};
    return -1;
  }
  if (!hello.result) {
    ::close(fd);
    err = hello.result;
    return -1;
  }
  return fd;
}

void endpoint::give_back(int fd) {
  std::lock_guard<std::mutex> guard{mu_};
  idle_.push_back(fd);
}

storage::status endpoint::call(const std::string& dict, storage::op& x) {
  std::string request;
  write_request(request, static_cast<uint8_t>(x.kind), dict, x);
  // A pooled connection may have died with its node. A read may try again on
  // a fresh one; a write may not (it may have been applied before the break).
  bool timed_out = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    storage::status err;
    int fd = take(err);
    if (fd < 0)
      return err;
    std::string body;
    if (send_frame(fd, request) && recv_frame(fd, body, timed_out) && read_response(body, x)) {
      give_back(fd);
      return storage::status::ok();
    }
    ::close(fd); // a late answer must never be read as the next call's
    if (timed_out || storage::is_write(x.kind))
      break;
  }
  auto label = "dict '" + dict + "' on node '" + owner_.name + "' (" + owner_.host + ":"
               + std::to_string(port_.load()) + ")";
  if (timed_out)
    return {errc::timeout, label + " did not answer within the request timeout; it may be "
                                   "overloaded, frozen or cut off (the operation may still "
                                   "have been applied): retry, or raise request_timeout"};
  port_ = 0;
  close_all();
  return {errc::unavailable, label + " cannot be reached: the connection broke; calls fail "
                                     "until the node is back (retried automatically)"};
}

storage::status endpoint::call_function(const std::string& name, storage::op& x,
                                        std::chrono::milliseconds timeout) {
  x.count = static_cast<uint64_t>(std::max<int64_t>(timeout.count(), 1));
  std::string request;
  write_request(request, fcall_kind, name, x);
  storage::status err;
  int fd = take(err);
  if (fd < 0)
    return err;
  // The answer may take as long as the function may run, not longer: the
  // node may run the body on the connection's own thread, and then only this
  // side can end the wait (closing the connection). poll() waits for its
  // first byte (the socket's own timeouts stay those of the dict calls).
  bool timed_out = false;
  std::string body;
  if (send_frame(fd, request) && wait_readable(fd, timeout, timed_out)
      && recv_frame(fd, body, timed_out) && read_response(body, x)) {
    give_back(fd);
    return storage::status::ok();
  }
  ::close(fd); // a late answer must never be read as the next call's
  auto label = "function '" + name + "' on node '" + owner_.name + "' ("
               + owner_.host + ":" + std::to_string(port_.load()) + ")";
  if (timed_out)
    return {errc::timeout, label + " did not answer within its timeout of "
                             + std::to_string(timeout.count()) + " ms"};
  port_ = 0;
  close_all();
  return {errc::unavailable, label + " cannot be reached: the connection broke (the call "
                                     "may have run)"};
}

} // namespace mn::wire
