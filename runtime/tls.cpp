#include "runtime/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace mn::runtime::tls {

namespace {

using clock = std::chrono::steady_clock;

// -- checking the files ---------------------------------------------------------

storage::status bad(const std::string& message) {
  return {errc::bad_config, message};
}

// OpenSSL's reasons for the last failure, emptying its error queue.
std::string take_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    auto text = reason != nullptr ? std::string{reason} : "error " + std::to_string(code);
    if (out.find(text) == std::string::npos)
      out += (out.empty() ? "" : "; ") + text;
  }
  return out.empty() ? "unknown reason" : out;
}

// A passphrase callback that gives none: an encrypted key fails to load
// instead of OpenSSL asking on the terminal.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

storage::status readable(const std::string& path, const char* option) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return bad(std::string{"cannot read "} + option + " '" + path + "': " + std::strerror(errno)
               + "; check the path (scripts/make-certs.sh makes the files)");
  std::fclose(f);
  return storage::status::ok();
}

// -- logging refusals -------------------------------------------------------------

struct refusal_log {
  std::mutex mu;
  std::string who; // empty: not logging
  clock::time_point window_start{};
  int lines_in_window = 0;
  uint64_t unlogged = 0;
  struct failure {
    std::string reason;
    clock::time_point when;
  };
  std::map<uint16_t, failure> client_failures; // by the peer's port
};

refusal_log& log_state() {
  static auto* s = new refusal_log; // never destroyed: OpenSSL calls may come late
  return *s;
}

std::atomic<uint64_t> refused{0};

constexpr int max_lines_per_minute = 20;

// The peer of `ssl`'s socket as "ip:port" (and its port), or "an unknown peer".
std::string peer_of(SSL* ssl, uint16_t* port = nullptr) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int fd = SSL_get_fd(ssl);
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "a peer already gone";
  char ip[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    if (port != nullptr)
      *port = ntohs(a->sin_port);
    return std::string{ip} + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    if (port != nullptr)
      *port = ntohs(a->sin6_port);
    return "[" + std::string{ip} + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "an unknown peer";
}

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A fatal failure of a handshake this process accepted.
void refuse(SSL* ssl, int ssl_error) {
  // A peer that opened and closed the connection without a word (a port
  // probe, mn's reachability check) tried nothing: not a refusal.
  // (OpenSSL 3 reports such an end as an SSL error "unexpected eof".)
  bool closed = ssl_error != SSL_ERROR_SSL
                || ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
  bool silent = closed && SSL_get_state(ssl) == TLS_ST_BEFORE; // no ClientHello came
  auto why = closed ? std::string{"the peer closed the connection in the handshake"}
                    : take_errors();
  ERR_clear_error(); // no stale reason may fail a later call on this thread
  if (silent)
    return;
  refused.fetch_add(1, std::memory_order_relaxed);
  auto& s = log_state();
  std::lock_guard<std::mutex> guard{s.mu};
  if (s.who.empty())
    return;
  auto now = clock::now();
  if (now - s.window_start >= std::chrono::minutes(1)) {
    s.window_start = now;
    s.lines_in_window = 0;
  }
  if (++s.lines_in_window > max_lines_per_minute) {
    ++s.unlogged;
    return;
  }
  std::string more = s.unlogged == 0 ? ""
                                     : " (" + std::to_string(s.unlogged)
                                         + " more refusals were not logged)";
  s.unlogged = 0;
  std::cerr << "mn: " << utc_now() << " " << s.who << " refused a connection from "
            << peer_of(ssl) << ": TLS handshake failed (" << why
            << "); only processes with a certificate signed by this cluster's CA "
               "(--tls-ca) may join"
            << more << std::endl;
}

// A fatal failure of a connection this process made.
void client_failed(SSL* ssl, int ssl_error) {
  auto why = ssl_error == SSL_ERROR_SSL ? take_errors()
                                        : std::string{"the node closed the connection during "
                                                      "the handshake"};
  ERR_clear_error();
  uint16_t port = 0;
  peer_of(ssl, &port);
  auto& s = log_state();
  std::lock_guard<std::mutex> guard{s.mu};
  s.client_failures[port] = {why, clock::now()};
}

template <class Fn>
Fn real(const char* name) {
  void* f = ::dlvsym(RTLD_NEXT, name, "OPENSSL_3.0.0");
  if (f == nullptr)
    f = ::dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "mn: cannot find OpenSSL's %s (%s)\n", name, ::dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

bool fatal(int ssl_error) {
  return ssl_error != SSL_ERROR_WANT_READ && ssl_error != SSL_ERROR_WANT_WRITE
         && ssl_error != SSL_ERROR_ZERO_RETURN;
}

} // namespace

storage::status check_files(const std::string& cert, const std::string& key,
                            const std::string& ca) {
  int given = !cert.empty() + !key.empty() + !ca.empty();
  if (given == 0)
    return storage::status::ok();
  if (given != 3)
    return bad(std::string{"TLS needs all three of --tls-cert, --tls-key and --tls-ca (missing: "}
               + (cert.empty() ? "--tls-cert " : "") + (key.empty() ? "--tls-key " : "")
               + (ca.empty() ? "--tls-ca" : "")
               + "); scripts/make-certs.sh DIR NODE... makes them");
  for (auto [path, option] : {std::pair{&cert, "--tls-cert"}, std::pair{&key, "--tls-key"},
                              std::pair{&ca, "--tls-ca"}})
    if (auto st = readable(*path, option); !st)
      return st;
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return bad("cannot set up TLS: " + take_errors());
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1)
    return bad("--tls-cert '" + cert + "' is not a PEM certificate (" + take_errors()
               + "); give the node's .pem made by scripts/make-certs.sh");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      return bad("--tls-key '" + key + "' does not belong to --tls-cert '" + cert + "' ("
                 + take_errors() + "); give the key made together with that certificate");
    return bad("--tls-key '" + key + "' is not an unencrypted PEM private key (" + take_errors()
               + "); give the .key made with the certificate (keys with a passphrase are not "
                 "supported)");
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return bad("--tls-key '" + key + "' does not belong to --tls-cert '" + cert + "' ("
               + take_errors() + "); give the key made together with that certificate");
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return bad("--tls-ca '" + ca + "' holds no PEM CA certificate (" + take_errors()
               + "); give the cluster's ca.pem made by scripts/make-certs.sh");
  // The certificate must be one of this cluster's: signed by the CA, in date.
  X509* leaf = SSL_CTX_get0_certificate(ctx.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx{X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free};
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  if (!vctx || X509_STORE_CTX_init(vctx.get(), SSL_CTX_get_cert_store(ctx.get()), leaf, chain) != 1)
    return bad("cannot check --tls-cert '" + cert + "': " + take_errors());
  if (X509_verify_cert(vctx.get()) != 1) {
    auto why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get()));
    ERR_clear_error();
    return bad("--tls-cert '" + cert + "' does not verify against --tls-ca '" + ca + "' (" + why
               + "); give a certificate signed by this cluster's CA and in date "
                 "(scripts/make-certs.sh)");
  }
  return storage::status::ok();
}

std::string key_warning(const std::string& key) {
  struct stat st{};
  if (key.empty() || ::stat(key.c_str(), &st) != 0 || (st.st_mode & 077) == 0)
    return {};
  return "warning: --tls-key '" + key + "' can be read by other users (mode "
         + std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7)
         + std::to_string(st.st_mode & 7) + "); chmod 600 it";
}

void log_refusals_as(const std::string& who) {
  auto& s = log_state();
  std::lock_guard<std::mutex> guard{s.mu};
  s.who = who;
}

uint64_t refusals() noexcept {
  return refused.load(std::memory_order_relaxed);
}

std::string last_client_failure(uint16_t port) {
  auto& s = log_state();
  std::lock_guard<std::mutex> guard{s.mu};
  auto i = s.client_failures.find(port);
  if (i == s.client_failures.end() || clock::now() - i->second.when > std::chrono::seconds(30))
    return {};
  return i->second.reason;
}

std::string handshake_hint(uint16_t port, bool tls_on) {
  const char* options = "--tls-cert, --tls-key and --tls-ca (for mn: MN_TLS_CERT, MN_TLS_KEY, "
                        "MN_TLS_CA)";
  if (!tls_on)
    return std::string{"the node closed the connection in the handshake: if the cluster uses "
                       "TLS, give this process the cluster's certificates with "}
           + options + "; the node's log says why it refused";
  auto why = last_client_failure(port);
  if (why.empty())
    return std::string{"the connection closed in the TLS handshake: the node may run without "
                       "TLS, or refuse this process's certificate (its log says why); check "}
           + options;
  return "the TLS handshake failed (" + why + "): this process and the node must have "
         "certificates signed by the same cluster CA; check " + options;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.compare(0, 4, "127.") == 0;
}

} // namespace mn::runtime::tls

// -- the wrappers -------------------------------------------------------------------
//
// libcaf_openssl calls SSL_accept, SSL_connect and SSL_read through the dynamic
// linker (references versioned OPENSSL_3.0.0); these definitions in the program
// come first in the lookup order, so CAF's calls land here and go on to
// OpenSSL's own functions (found with dlvsym). They only watch the result:
// on a fatal failure they log it (see refuse) and empty OpenSSL's error queue,
// which CAF leaves full (a stale entry there makes OpenSSL report a later,
// unrelated call on the same thread as failed). security_test checks that they
// take effect (the refusal lines in a node's log).

extern "C" int SSL_accept(SSL* ssl) {
  static auto real = mn::runtime::tls::real<int (*)(SSL*)>("SSL_accept");
  int ret = real(ssl);
  if (ret != 1) {
    int e = SSL_get_error(ssl, ret);
    if (mn::runtime::tls::fatal(e))
      mn::runtime::tls::refuse(ssl, e);
  }
  return ret;
}

extern "C" int SSL_connect(SSL* ssl) {
  static auto real = mn::runtime::tls::real<int (*)(SSL*)>("SSL_connect");
  int ret = real(ssl);
  if (ret != 1) {
    int e = SSL_get_error(ssl, ret);
    if (mn::runtime::tls::fatal(e))
      mn::runtime::tls::client_failed(ssl, e);
  }
  return ret;
}

extern "C" int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = mn::runtime::tls::real<int (*)(SSL*, void*, int)>("SSL_read");
  int ret = real(ssl, buf, num);
  if (ret <= 0) {
    int e = SSL_get_error(ssl, ret);
    if (e == SSL_ERROR_SSL) {
      // With TLS 1.3 a client learns that its certificate was refused here,
      // on its first read after the handshake.
      if (SSL_is_server(ssl) == 0)
        mn::runtime::tls::client_failed(ssl, e);
      else
        ERR_clear_error();
    }
  }
  return ret;
}
