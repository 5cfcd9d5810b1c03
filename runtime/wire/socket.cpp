#include "runtime/wire/socket.hpp"

#include "runtime/wire/frame.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mn::wire {

bool wait_readable(int fd, std::chrono::milliseconds timeout, bool& timed_out) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (r > 0)
      return true;
    if (r == 0) {
      timed_out = true;
      return false;
    }
    if (errno != EINTR)
      return false;
  }
}

namespace {

void set_io_timeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool resolve(const std::string& host, uint16_t port, sockaddr_storage& addr, socklen_t& len,
             std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res)) {
    why = std::string{"cannot resolve '"} + host + "': " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return true;
}

bool io_all(int fd, char* data, std::size_t n, bool writing, bool& timed_out) {
  std::size_t done = 0;
  while (done < n) {
    auto r = writing ? ::send(fd, data + done, n - done, MSG_NOSIGNAL)
                     : ::recv(fd, data + done, n - done, 0);
    if (r > 0) {
      done += static_cast<std::size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    timed_out = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    return false;
  }
  return true;
}

} // namespace

int connect_to(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
               std::chrono::milliseconds io_timeout, std::string& why) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!resolve(host, port, addr, len, why))
    return -1;
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::string{"socket: "} + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    why = std::string{"connect: "} + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  int err = 0;
  socklen_t elen = sizeof(err);
  if (ready <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
    why = ready <= 0 ? "connect: no answer within " + std::to_string(timeout.count()) + " ms"
                     : std::string{"connect: "} + std::strerror(err);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  set_io_timeout(fd, io_timeout);
  return fd;
}

int listen_on(const std::string& host, uint16_t& port, std::string& why) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!resolve(host, port, addr, len, why))
    return -1;
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || ::listen(fd, 128) != 0) {
    why = std::strerror(errno);
    if (fd >= 0)
      ::close(fd);
    return -1;
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return fd;
}

bool send_frame(int fd, const std::string& body) {
  std::string frame;
  frame.reserve(4 + body.size());
  auto n = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; ++i)
    frame.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  frame.append(body);
  bool timed_out = false;
  return io_all(fd, frame.data(), frame.size(), true, timed_out);
}

bool recv_frame(int fd, std::string& body, bool& timed_out) {
  timed_out = false;
  unsigned char len[4];
  if (!io_all(fd, reinterpret_cast<char*>(len), 4, false, timed_out))
    return false;
  uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t{len[3]} << 24);
  if (n > max_frame)
    return false;
  body.resize(n);
  return io_all(fd, body.data(), n, false, timed_out);
}

} // namespace mn::wire
