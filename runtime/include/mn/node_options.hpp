#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mn {

/// How an acknowledged write is kept.
enum class durability {
  /// Default. A write is acknowledged once LMDB committed and synced it: it
  /// survives kill -9 of the node and a crash of the machine.
  sync,
  /// Commits are not synced (LMDB's MDB_NOSYNC): a write survives kill -9 of
  /// the node, but a machine crash or power loss may lose the last seconds of
  /// acknowledged writes and, where the file system reorders writes, damage
  /// the dict's file (LMDB's own warning). For data that can be rebuilt.
  relaxed,
};

/// One node of the cluster, as configured.
struct peer {
  std::string name;
  std::string host;
  uint16_t port = 0;
  /// "name=host:port".
  std::string to_string() const;
};

/// Settings of an mn::node. Every node of a cluster must be given the same
/// membership (its own entry plus `peers`); nodes refuse to talk otherwise.
struct node_options {
  /// This node's name, unique in the cluster.
  std::string name = "local";
  /// "HOST:PORT" to accept other nodes and clients on; empty: no network (an
  /// embedded, single-process node). mnode defaults it to 127.0.0.1:4242.
  /// Another interface than loopback without TLS prints a warning on stderr:
  /// anyone who can reach the port can then read and write every dict.
  std::string listen;
  /// The other nodes of the cluster (an entry for this node itself is allowed
  /// and must then match `name` and `listen`).
  std::vector<peer> peers;
  /// Where the node keeps its dicts; created (owner-only) when missing. One
  /// node at a time may use a directory.
  std::string data_dir = "./mn-data";
  mn::durability durability = mn::durability::sync;
  /// Longest wait of a call for its answer; then mn::timeout (an
  /// mn::unavailable) naming the node that did not answer.
  std::chrono::milliseconds request_timeout{5000};
  /// Longest wait to (re)connect to another node; then mn::unavailable.
  std::chrono::milliseconds connect_timeout{2000};
  /// CAF heartbeat between nodes; a peer silent for 4 heartbeats is dropped
  /// (its connection closed, later calls reconnect). 0 turns heartbeats off.
  std::chrono::milliseconds heartbeat_interval{500};
  /// LMDB map size of a new dict; it grows by itself when full.
  std::size_t initial_map_size = std::size_t{64} << 20;
  /// Keys fetched per page by dict::keys().
  std::size_t keys_page_size = 1024;
  /// Threads of CAF's scheduler; 0 means one per core. (Dict actors and
  /// blocking user code run on threads of their own, not on these.)
  std::size_t scheduler_threads = 0;
  /// CAF scheduler policy: "stealing" (CAF's default) or "sharing".
  std::string scheduler_policy = "stealing";
  /// Serve blocking callers of other processes over a plain TCP connection
  /// (a second, ephemeral port on the --listen host, announced through CAF)
  /// instead of CAF's messaging: a remote round trip then costs about what a
  /// Redis one does. Actors always use CAF messages. Off under TLS (the fast
  /// path has no TLS): every call then goes through CAF's TLS connections.
  bool fast_path = true;
  /// The fast path's port on the --listen host; 0 picks a free one.
  uint16_t fast_port = 0;
  /// Threads that run this node's registered functions (user code, which may
  /// block); calls beyond them wait in a queue.
  std::size_t function_threads = 4;
  /// "HOST:PORT" to serve the HTTP API on (the dict endpoints, /healthz,
  /// /metrics and the application's routes, see <mn/http.hpp>); port 0 picks a
  /// free one (node::http_port() tells which). Empty, the default: no HTTP.
  std::string http;
  /// HTTP bearer token: when set, every HTTP request but GET /healthz needs
  /// the header "Authorization: Bearer <token>" (else 401), the application's
  /// routes too. From the first line of `http_token_file` (at least 16
  /// characters), or `http_token` directly (on a command line it shows in ps:
  /// for tests only). Empty, the default: no token (keep --http on loopback).
  std::string http_token_file;
  std::string http_token;
  /// TLS (proof of membership): this process's certificate (PEM), its
  /// unencrypted private key (PEM) and the cluster's CA certificate (PEM);
  /// all three or none (scripts/make-certs.sh makes them). With them every
  /// connection between the processes of the cluster (nodes and clients) is
  /// TLS with a certificate on both sides signed by the CA; a process without
  /// one is refused and the refusal logged on stderr. Every member and client
  /// of a cluster must use TLS, or none.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// true when the TLS files are given.
  bool tls() const noexcept { return !tls_cert.empty() || !tls_key.empty() || !tls_ca.empty(); }

  /// Options from a command line (and a --config FILE it names, INI style;
  /// the command line wins). Knows --name, --listen, --peer (repeatable),
  /// --data-dir, --durability, --request-timeout-ms, --connect-timeout-ms,
  /// --heartbeat-ms, --threads, --scheduler-policy, --initial-map-mb,
  /// --no-fast-path, --fast-port, --function-threads, --http, --http-token-file,
  /// --http-token, --tls-cert, --tls-key, --tls-ca.
  /// Options not on the command line keep their value in `defaults`.
  /// Arguments it does not know are left in `rest` when given, else refused.
  /// Errors: mn::invalid_argument (bad_config) naming the bad option.
  static node_options from_command_line(int argc, const char* const* argv,
                                        const node_options& defaults,
                                        std::vector<std::string>* rest = nullptr);
  static node_options from_command_line(int argc, const char* const* argv);

  /// Checks names, addresses, the peer list, the TLS files (see
  /// check_security) and the HTTP token. Errors: mn::invalid_argument
  /// (bad_config) with one line saying what is wrong and what to do.
  void validate() const;
  /// Checks only what a client uses of the security options: the TLS files
  /// (all three or none, readable, a certificate and its key, signed by the
  /// CA and in date). Errors: mn::invalid_argument (bad_config).
  void check_security() const;
};

/// Splits "HOST:PORT"; port 0 only `allow_any_port` (then: any free port).
/// Errors: mn::invalid_argument (bad_config) naming `what`.
void parse_address(const std::string& text, const std::string& what, std::string& host,
                   uint16_t& port, bool allow_any_port = false);

/// Parses "NAME=HOST:PORT". Errors: mn::invalid_argument (bad_config).
peer parse_peer(const std::string& text);

} // namespace mn
