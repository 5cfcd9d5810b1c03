// mnode: the runtime node daemon, one per host.
//
// How to run (a three-node cluster on one machine):
//   build/apps/mnode --name a --listen 127.0.0.1:4242 --data-dir /tmp/a
//                    --peer a=127.0.0.1:4242 --peer b=127.0.0.1:4243 --peer c=127.0.0.1:4244 &
//   (the same for b and c, each with its own --name, --listen and --data-dir)
//
// Options come from the command line and from an INI file given with --config
// (the command line wins). SIGINT or SIGTERM: answer and commit what is in
// flight, close LMDB, exit 0 (or, if CAF's shutdown hangs, exit 3 after 20 s).
#include <mn/mn.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include <pthread.h>

namespace {

constexpr const char* usage = R"(mnode: a multinode-cpp runtime node (one per host)

usage: mnode [options]

  --name NAME                 this node's name, unique in the cluster (default: local)
  --listen HOST:PORT          where other nodes and clients reach it (default: 127.0.0.1:4242;
                              listening on another interface is an explicit choice: without TLS
                              anyone who can reach the port can read and write every dict)
  --peer NAME=HOST:PORT       a node of the cluster; repeat for each (this node's own entry
                              may be listed too, and then must match --name and --listen)
  --data-dir DIR              where the dicts are stored (default: ./mn-data)
  --durability sync|relaxed   sync (default): acknowledged writes are fsynced;
                              relaxed: not synced, a machine crash may lose recent writes
  --request-timeout-ms N      longest wait for an answer (default: 5000)
  --connect-timeout-ms N      longest wait to reach another node (default: 2000)
  --heartbeat-ms N            heartbeat between nodes; 4 missed = peer dropped (default: 500, 0 = off)
  --threads N                 CAF scheduler threads (default: one per core)
  --scheduler-policy P        stealing (default) or sharing
  --initial-map-mb N          LMDB map size of a new dict, grows by itself (default: 64)
  --no-fast-path              serve other processes' blocking calls through CAF messages only
                              (default: a plain TCP fast path on a second port)
  --fast-port N               the fast path's port on the --listen host (default: 0, any free one)
  --function-threads N        threads that run registered functions (default: 4)
  --http HOST:PORT            serve the HTTP API (dicts, /healthz, /metrics) there
                              (default: off; port 0 = any free one, printed when ready)
  --http-token-file FILE      require 'Authorization: Bearer TOKEN' on every HTTP request but
                              GET /healthz (else 401); TOKEN is the file's first line (>= 16 chars)
  --http-token TOKEN          the same with the token itself (shows in ps: for tests only)
  --tls-cert FILE             TLS with proof of membership: this node's certificate (PEM);
  --tls-key FILE              its private key (PEM, unencrypted) and
  --tls-ca FILE               the cluster's CA certificate: all three or none. Every process
                              (node, client) must then show a certificate signed by that CA;
                              others are refused and logged. The fast path is off under TLS.
                              scripts/make-certs.sh DIR NODE... makes the files.
  --config FILE               read options from an INI file (key = value lines)
  --help                      show this help
  --version                   show the version
)";

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << usage;
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "mnode (multinode-cpp) 0.1.0, CAF 0.17.6, LMDB 0.9.24\n";
      return 0;
    }
  }
  // Block the stop signals in every thread (CAF's included); main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    mn::node_options defaults;
    defaults.listen = "127.0.0.1:4242";
    auto opts = mn::node_options::from_command_line(argc, argv, defaults);
    mn::node node{opts};
    std::string members;
    for (auto& m : node.members())
      members += (members.empty() ? "" : ", ") + m.to_string();
    std::cout << "mnode '" << opts.name << "' ready on " << opts.listen
              << (opts.tls() ? " (TLS, fast path off)"
                             : " (fast path port " + std::to_string(node.fast_path_port()) + ")")
              << ", data in "
              << opts.data_dir << ", members: " << members;
    if (node.http_port() != 0) {
      auto host = opts.http.substr(0, opts.http.rfind(':'));
      std::cout << ", HTTP on " << host << ":" << node.http_port();
    }
    std::cout << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "mnode '" << opts.name << "' stopping on " << strsignal(sig) << std::endl;
    // A watchdog for the shutdown. Every acknowledged write was committed and
    // synced before it was answered, so leaving without a clean shutdown loses
    // nothing acknowledged; CAF 0.17 has been seen (rarely, under load) to wait
    // forever for an actor at the very end.
    std::thread{[] {
      std::this_thread::sleep_for(std::chrono::seconds(20));
      std::cerr << "mnode: shutdown did not finish within 20 s; exiting anyway "
                   "(acknowledged writes were all committed before their answers)"
                << std::endl;
      std::_Exit(3);
    }}.detach();
  } catch (const mn::error& e) {
    std::cerr << "mnode: " << e.what() << "\n";
    return e.code() == mn::errc::bad_config ? 2 : 1;
  }
  std::cout << "mnode stopped" << std::endl;
  return 0;
}
