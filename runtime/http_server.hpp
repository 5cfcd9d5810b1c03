#pragma once
// runtime::http_server: the node's HTTP server (--http), on cpp-httplib. Every
// request goes to the http_router, whatever its path and method; httplib only
// parses, reads bodies, keeps connections alive and runs handlers on its pool
// of threads. httplib.h is included by http_server.cpp alone, so that no other
// file pays for it.
#include "runtime/http_router.hpp"
#include "runtime/metrics.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace mn::runtime {

class http_server {
public:
  /// Largest request body accepted (a bigger one is answered 413).
  static constexpr std::size_t max_body_bytes = std::size_t{64} << 20;
  /// Threads that run handlers (several requests at once; they may block):
  /// `threads` always, up to `max_threads` while connections need them (one
  /// per open connection; connections beyond wait); extra threads end after
  /// 10 s without work.
  static constexpr std::size_t threads = 8;
  static constexpr std::size_t max_threads = 512;

  http_server(std::shared_ptr<const http_router> router, std::shared_ptr<metrics> counters);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// From now on every request but GET /healthz needs the header
  /// "Authorization: Bearer <token>" (see http_auth.hpp), else it is answered
  /// 401 {"error": "unauthorized", ...} with WWW-Authenticate: Bearer, before
  /// its body is read; such refusals are counted in mn_http_requests_total
  /// {code="401"}. An empty token: none needed. Call before start().
  void require_token(std::string token);

  /// Binds `host`:`port` (0: any free port, then set) and serves on a thread
  /// of its own. Errors: bad_config naming the address (port in use, not an
  /// address of this machine).
  storage::status start(const std::string& host, uint16_t& port);

  /// Stops accepting, lets requests in progress finish (idle keep-alive
  /// connections are closed within keep_alive_seconds), joins every thread.
  void stop();

  /// How long an idle keep-alive connection is kept (and may delay stop()).
  static constexpr int keep_alive_seconds = 2;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mn::runtime
