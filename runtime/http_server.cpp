#include "runtime/http_server.hpp"

#include "runtime/http_auth.hpp"
#include "runtime/http_task_queue.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <sys/socket.h>

namespace mn::runtime {

struct http_server::impl {
  std::shared_ptr<const http_router> router;
  std::shared_ptr<metrics> counters;
  std::string token; // empty: no token needed
  httplib::Server svr;
  std::thread thread;
  std::atomic<bool> ended{false}; // listen_after_bind returned
};

namespace {

// httplib's default sets SO_REUSEPORT, with which a second server binds the
// same port without an error and the kernel splits the connections between
// them. SO_REUSEADDR alone still allows a quick restart of the node.
void socket_options(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// With a token: answers 401 and true unless `req` may go on (it carries the
// token, or is GET/HEAD /healthz, which load balancers probe without one).
bool refuse_unauthorized(const std::string& token, const httplib::Request& req,
                         httplib::Response& res) {
  if (token.empty() || ((req.method == "GET" || req.method == "HEAD") && req.path == "/healthz"))
    return false;
  auto given = req.get_header_value("Authorization");
  if (bearer_matches(given, token))
    return false;
  res.status = 401;
  if (given.empty()) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"mn\"");
    res.set_content("{\"error\":\"unauthorized\",\"message\":\"this node's HTTP API needs "
                    "a bearer token: send the header 'Authorization: Bearer TOKEN' with the "
                    "token of the node's --http-token-file\"}",
                    "application/json");
  } else {
    res.set_header("WWW-Authenticate", "Bearer realm=\"mn\", error=\"invalid_token\"");
    res.set_content("{\"error\":\"unauthorized\",\"message\":\"the bearer token is wrong "
                    "(or the header is not 'Authorization: Bearer TOKEN'); use the token of the "
                    "node's --http-token-file\"}",
                    "application/json");
  }
  // The body of a refused request is never read: close the connection rather
  // than parse it as the next request.
  res.set_header("Connection", "close");
  return true;
}

} // namespace

http_server::http_server(std::shared_ptr<const http_router> router,
                         std::shared_ptr<metrics> counters)
  : impl_(std::make_unique<impl>()) {
  impl_->router = std::move(router);
  impl_->counters = std::move(counters);
  auto& svr = impl_->svr;
  svr.new_task_queue = [] {
    return new http_task_queue(threads, max_threads, std::chrono::seconds(10));
  };
  svr.set_socket_options(socket_options);
  svr.set_payload_max_length(max_body_bytes);
  svr.set_keep_alive_timeout(keep_alive_seconds);
  auto* self = impl_.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::pair<std::string, std::string>> headers{req.headers.begin(),
                                                             req.headers.end()};
    auto r = self->router->dispatch(req.method, req.target, req.body, std::move(headers));
    res.status = r.status >= 100 && r.status <= 599 ? r.status : 500;
    for (auto& [k, v] : r.headers)
      res.set_header(k, v);
    res.set_header("Content-Type", r.content_type);
    res.body = std::move(r.body); // httplib sets Content-Length from it
  };
  // A request with neither Content-Length nor Transfer-Encoding has no body
  // (RFC 9112 6.3), but httplib answers such a POST/PUT/PATCH 400 ("curl -X
  // POST URL" sends one): serve every body-less request before httplib
  // looks for a body.
  // The token is checked here, before httplib reads a body.
  svr.set_pre_routing_handler([self, handler](const httplib::Request& req,
                                              httplib::Response& res) {
    if (refuse_unauthorized(self->token, req, res))
      return httplib::Server::HandlerResponse::Handled;
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    handler(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Every path goes to the router ("[\s\S]*" also matches decoded newlines).
  const std::string any = "[\\s\\S]*";
  svr.Get(any, handler);
  svr.Post(any, handler);
  svr.Put(any, handler);
  svr.Delete(any, handler);
  svr.Patch(any, handler);
  // Errors httplib answers itself (malformed request, body too large, unknown
  // method) get a JSON body like ours; ours already have one.
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty())
      return;
    std::string code = res.status == 413 ? "payload_too_large"
                       : res.status == 404 ? "not_found"
                                           : "bad_request";
    // cpp-httplib caps form-encoded bodies (curl's default Content-Type for
    // --data) at 8 KB, whatever the payload limit: say so, and what to send.
    bool form = req.get_header_value("Content-Type").rfind(
                  "application/x-www-form-urlencoded", 0) == 0;
    std::string message =
      res.status != 413 ? "the request could not be served (" + std::to_string(res.status) + ")"
      : form ? "a form-encoded body (Content-Type: application/x-www-form-urlencoded, "
               "curl's default for --data) is limited to 8 KB; send the value with "
               "'Content-Type: application/json' (bodies up to 64 MiB)"
             : "the request body is larger than 64 MiB";
    res.set_content("{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}",
                    "application/json");
  });
  svr.set_logger([self](const httplib::Request&, const httplib::Response& res) {
    if (self->counters)
      self->counters->count_http(res.status);
  });
}

void http_server::require_token(std::string token) {
  impl_->token = std::move(token);
}

http_server::~http_server() {
  stop();
}

storage::status http_server::start(const std::string& host, uint16_t& port) {
  auto& svr = impl_->svr;
  bool bound = false;
  if (port == 0) {
    int p = svr.bind_to_any_port(host);
    bound = p > 0;
    if (bound)
      port = static_cast<uint16_t>(p);
  } else {
    bound = svr.bind_to_port(host, port);
  }
  if (!bound)
    return {errc::bad_config,
            "cannot serve HTTP on " + host + ":" + std::to_string(port)
              + ": the port is in use or the host is not an address of this machine; "
                "choose another --http port (0 = any free one) or stop the process that "
                "holds it"};
  impl_->thread = std::thread{[this] {
    impl_->svr.listen_after_bind();
    impl_->ended = true;
  }};
  // httplib's stop() does nothing until the server runs: wait for it, so that
  // a stop right after start is not lost (bounded; it takes microseconds).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!svr.is_running() && !impl_->ended && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return storage::status::ok();
}

void http_server::stop() {
  if (!impl_->thread.joinable())
    return;
  impl_->svr.stop();
  impl_->thread.join();
}

} // namespace mn::runtime
