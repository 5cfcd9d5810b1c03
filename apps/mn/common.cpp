// mn, the command line: the connection, value parsing and output helpers
// shared by the subcommands.
#include "cli.hpp"

#include <mn/node_options.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mn::cli {

namespace {

// Whether something accepts TCP connections at host:port within `within`;
// empty when it does, else why not. A plain socket: no CAF, so that a
// refused connection is told at once.
std::string probe(const std::string& host, uint16_t port, std::chrono::milliseconds within) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    return std::string{"cannot resolve '"} + host + "': " + ::gai_strerror(rc);
  std::string why = "no address";
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(within.count()));
      if (rc == 0) {
        why = "no answer within " + std::to_string(within.count()) + " ms";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err != 0)
          why = std::strerror(err);
      } else {
        why = std::strerror(errno);
      }
    } else if (rc != 0) {
      why = std::strerror(errno);
    }
    ::close(fd);
    if (rc == 0) {
      ::freeaddrinfo(found);
      return {};
    }
  }
  ::freeaddrinfo(found);
  return why;
}

// Ends the process with `code` and `message` unless disarmed within `limit`:
// connecting must never hang the command line.
class watchdog {
public:
  watchdog(std::chrono::milliseconds limit, std::string message, int code)
    : thread_([this, limit, message = std::move(message), code] {
        std::unique_lock<std::mutex> guard{mu_};
        if (!cv_.wait_for(guard, limit, [this] { return done_; })) {
          std::cout.flush();
          std::cerr << "mn: " << message << std::endl;
          std::_Exit(code);
        }
      }) {}
  ~watchdog() {
    {
      std::lock_guard<std::mutex> guard{mu_};
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

} // namespace

context::~context() = default;

mn::client& context::client() {
  if (client_)
    return *client_;
  std::string host;
  uint16_t port = 0;
  try {
    mn::parse_address(node, "--node", host, port);
  } catch (const mn::error& e) {
    throw usage_error("'" + node + "' is not a node address: give --node HOST:PORT (or set "
                      "MN_NODE), e.g. --node 127.0.0.1:4242");
  }
  mn::node_options opts;
  opts.request_timeout = std::chrono::milliseconds(timeout_ms);
  opts.connect_timeout = std::chrono::milliseconds(std::min(timeout_ms, 2000L));
  opts.scheduler_threads = 2; // a short-lived client needs few
  opts.tls_cert = tls_cert;
  opts.tls_key = tls_key;
  opts.tls_ca = tls_ca;
  try {
    opts.check_security();
  } catch (const mn::error& e) {
    throw usage_error(std::string{e.what()} + " (mn takes them from --tls-cert, --tls-key, "
                      "--tls-ca or MN_TLS_CERT, MN_TLS_KEY, MN_TLS_CA)");
  }
  auto what_to_do = std::string{"; start mnode there, or point --node HOST:PORT or MN_NODE at a "
                                "running node"};
  if (auto why = probe(host, port, opts.connect_timeout); !why.empty())
    throw mn::unavailable(mn::errc::unavailable,
                          "cannot reach a node at " + node + " (" + why + ")" + what_to_do);
  // The client learns the membership within the connect and request
  // timeouts; past them (and a margin), give up rather than hang.
  auto limit = opts.connect_timeout + opts.request_timeout + std::chrono::seconds(2);
  watchdog guard{limit,
                 "cannot reach a node at " + node + ": something listens there but gave no "
                   "multinode answer within " + std::to_string(limit.count()) + " ms (is it an "
                   "mnode?)" + what_to_do + " [unavailable]",
                 exit_unavailable};
  try {
    client_ = std::make_unique<mn::client>(node, opts);
  } catch (const mn::unavailable& e) {
    // Keep the code (unavailable or timeout); say what to do (a TLS refusal
    // says it already).
    std::string why = e.what();
    if (why.find("--tls-cert") != std::string::npos)
      what_to_do.clear();
    mn::throw_error(e.code(), "cannot reach a node at " + node + " (" + why + ")" + what_to_do);
  }
  return *client_;
}

const std::string& context::arg(std::size_t i, const char* what) const {
  if (i >= args.size())
    throw usage_error("mn " + command + ": missing " + what + "; see mn " +
                      command.substr(0, command.find(' ')) + " --help");
  return args[i];
}

void context::expect_args(std::size_t min, std::size_t max, const char* shape) const {
  if (args.size() < min || args.size() > max) {
    std::string why = args.size() < min ? "missing argument" : "too many arguments";
    throw usage_error("mn " + command + ": " + why + "; usage: mn " + command + " " + shape);
  }
}

mn::value parse_value(const std::string& text, const std::string& what) {
  auto v = mn::value::parse(text, nullptr, false);
  if (!v.is_discarded())
    return v;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[' || text[first] == '"'))
    throw usage_error(what + " '" + text + "' is not valid JSON; quote it for the shell, e.g. '"
                      + "{\"a\": 1}' or '\"text\"'");
  return mn::value(text); // a bare word: a string
}

std::string show(const mn::value& v) {
  return v.dump(-1, ' ', false, mn::value::error_handler_t::replace);
}

std::string iso_utc(int64_t ms) {
  if (ms == 0)
    return "";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long rest = static_cast<long>(ms % 1000);
  if (rest < 0) {
    rest += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rest);
  return buf;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i)
        width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

} // namespace mn::cli
