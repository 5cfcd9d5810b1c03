// Hostile and bad input to real node processes: junk on the CAF port, on the
// fast-path port and on the HTTP port, values and keys beyond the limits
// through another node, and damaged data files. Each gets a clear, bounded
// answer (an error, a status, or the connection closed), the node keeps
// serving, and nothing stored changes. What other suites already cover is
// listed in RELIABILITY.md's catalogue, not repeated here.
#define BOOST_TEST_MODULE hostile
#include "cluster/cluster_fixture.hpp"
#include "support/http.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>
#include <iterator>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mn::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen{seed};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(gen() & 0xff);
  return out;
}

int connect_local(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0)
      ::close(fd);
    return -1;
  }
  return fd;
}

// What the server did with a connection after we sent our bytes: the bytes it
// answered and whether it closed within `within` (else we close).
struct outcome {
  std::string answer;
  bool closed = false;
  long ms = 0;
};

outcome send_junk(uint16_t port, const std::string& junk, bool half_close,
                  std::chrono::milliseconds within = 5s) {
  outcome r;
  int fd = connect_local(port);
  BOOST_REQUIRE_MESSAGE(fd >= 0, "cannot connect to port " << port);
  auto start = clock_type::now();
  std::size_t sent = 0;
  while (sent < junk.size()) { // the server may close early: stop sending then
    auto n = ::send(fd, junk.data() + sent, junk.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<std::size_t>(n);
  }
  if (half_close)
    ::shutdown(fd, SHUT_WR);
  char buf[4096];
  while (clock_type::now() - start < within) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.answer.append(buf, static_cast<std::size_t>(n));
  }
  r.ms = ms_since(start);
  ::close(fd);
  return r;
}

// A 32-byte BASP header (CAF 0.17): operation, 3 bytes, payload length,
// operation data, source and destination actor ids.
std::string basp_header(uint8_t operation, uint32_t payload_len) {
  std::string h(32, '\0');
  h[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<char>((payload_len >> (8 * (3 - i))) & 0xff);
  return h;
}

} // namespace

BOOST_AUTO_TEST_SUITE(caf_port)

// Node b's --listen port (CAF's BASP) gets junk of several kinds; b keeps
// serving node a and new connections, its dicts unchanged.
BOOST_AUTO_TEST_CASE(junk_on_the_caf_port_costs_that_connection_only) {
  cluster c{2};
  c.start_all();
  auto d = c.dict_owned_by(1, "caf");
  BOOST_REQUIRE(c.ask(0, "set " + d + " k 1").ok);
  auto port = static_cast<uint16_t>(std::stoi(c.address(1).substr(c.address(1).rfind(':') + 1)));
  struct kind {
    const char* what;
    std::string bytes;
  };
  std::vector<kind> kinds{
    {"random bytes", random_bytes(64 << 10, 1)},
    {"a truncated header", basp_header(1, 100).substr(0, 10)},
    {"a header with its payload cut short", basp_header(1, 1000) + random_bytes(100, 2)},
    {"a handshake claiming a 1 MiB payload, cut short", basp_header(1, 1u << 20) + random_bytes(4096, 3)},
    {"a message before any handshake", basp_header(2, 16) + random_bytes(16, 4)},
    {"an HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (auto& k : kinds) {
    auto r = send_junk(port, k.bytes, true, 3s);
    BOOST_TEST_MESSAGE("CAF port, " << k.what << ": " << (r.closed ? "closed" : "left open")
                                    << " after " << r.ms << " ms, " << r.answer.size()
                                    << " bytes answered");
    std::cout << "FIGURES caf port " << k.what << ": closed=" << r.closed << " ms=" << r.ms
              << std::endl;
    // Still serving, the value unchanged, through the CAF port (a's handle).
    BOOST_TEST(c.ask(0, "get " + d + " k").text == "1", k.what);
  }
  // The node's memory did not follow the claimed payload (4 GiB).
  BOOST_TEST(c.ask(0, "incr " + d + " k 1").text == "2");
  c.start_client(1); // a new connection through the same port works
  BOOST_TEST(c.client_ask("get " + d + " k").text == "2");
  BOOST_TEST(c.ask(1, "size " + d).text == "1");
}

// Known issue, off by default (run it with --run_test=caf_port/a_huge_claimed_payload):
// CAF 0.17's BASP takes a header's payload length as is and allocates (and
// zeroes) that much before reading it, on the thread that serves every CAF
// connection of the node. 36 bytes claiming 4 GiB cost the node gigabytes and
// stall its CAF networking for minutes; 256 MiB stall it about 3 s. Only
// cluster members must reach the --listen port (see RELIABILITY.md).
BOOST_AUTO_TEST_CASE(a_huge_claimed_payload, *boost::unit_test::disabled()) {
  cluster c{2};
  c.start_all();
  auto d = c.dict_owned_by(1, "caf");
  BOOST_REQUIRE(c.ask(0, "set " + d + " k 1").ok);
  auto port = static_cast<uint16_t>(std::stoi(c.address(1).substr(c.address(1).rfind(':') + 1)));
  int fd = connect_local(port);
  BOOST_REQUIRE(fd >= 0);
  auto junk = basp_header(1, 0xfffffff0u) + random_bytes(100, 3);
  ::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(500ms);
  c.start_client(1); // fails today: connection_timeout
  BOOST_TEST(c.client_ask("get " + d + " k").text == "1");
  ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fast_port)

// Beyond the three kinds of cluster_test/garbage_on_the_fast_port_is_dropped:
// cut frames, a length over the limit, random bytes, a silent connection, and
// many connections at once.
BOOST_AUTO_TEST_CASE(cut_oversized_random_silent_and_many_connections) {
  cluster c{2};
  c.start_all();
  auto d = c.dict_owned_by(1, "fast");
  BOOST_REQUIRE(c.ask(0, "set " + d + " k 1").ok);
  auto port = static_cast<uint16_t>(std::stoi(c.ask(1, "fastport -").text));
  BOOST_REQUIRE(port > 0);
  auto le32 = [](uint32_t n) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i)
      s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return s;
  };
  struct kind {
    const char* what;
    std::string bytes;
  };
  std::vector<kind> kinds{
    {"a frame cut short", le32(100) + "0123456789"},
    {"a length just over the 17 MiB limit", le32((17u << 20) + 1) + random_bytes(1024, 5)},
    {"random bytes", random_bytes(64 << 10, 6)},
    {"a frame of random bytes", le32(4096) + random_bytes(4096, 7)},
  };
  for (auto& k : kinds) {
    auto r = send_junk(port, k.bytes, true, 5s);
    BOOST_TEST_MESSAGE("fast port, " << k.what << ": " << (r.closed ? "closed" : "left open")
                                     << " after " << r.ms << " ms");
    BOOST_TEST(r.closed, k.what << ": the node did not close the connection");
    BOOST_TEST(c.ask(0, "get " + d + " k").text == "1");
  }
  // A connection that never says hello is closed after 10 s, without our
  // closing our side.
  auto silent = send_junk(port, "", false, 20s);
  BOOST_TEST(silent.closed, "a silent connection was kept");
  BOOST_TEST(silent.ms < 15000);
  std::cout << "FIGURES fast port silent connection closed after " << silent.ms << " ms"
            << std::endl;
  // 300 connections at once, each sending half a frame: the node keeps
  // serving others meanwhile.
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) {
    int fd = connect_local(port);
    if (fd < 0)
      break;
    ::send(fd, "\x10\x00", 2, MSG_NOSIGNAL);
    fds.push_back(fd);
  }
  BOOST_TEST(fds.size() == 300u);
  auto start = clock_type::now();
  BOOST_TEST(c.ask(0, "incr " + d + " k 1").text == "2");
  BOOST_TEST(c.ask(0, "get " + d + " k").text == "2");
  std::cout << "FIGURES fast port: 2 calls beside 300 stuck connections took " << ms_since(start)
            << " ms" << std::endl;
  for (int fd : fds)
    ::close(fd);
  BOOST_TEST(c.ask(1, "size " + d).text == "1");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// One mnode serving HTTP on a free port, killed and reaped at the end.
struct http_node {
  temp_dir tmp{"hostile-http"};
  uint16_t http_port = 0;
  std::unique_ptr<child_process> proc;
  std::unique_ptr<http_client> c;

  http_node() {
    auto ports = free_ports(2);
    http_port = ports[1];
    auto listen = "127.0.0.1:" + std::to_string(ports[0]);
    proc = std::make_unique<child_process>(std::vector<std::string>{
      MN_MNODE, "--name", "a", "--listen", listen, "--data-dir", tmp / "data", "--http",
      "127.0.0.1:" + std::to_string(http_port)});
    auto line = proc->read_line(60s);
    BOOST_REQUIRE_MESSAGE(line && has(*line, "ready"), "mnode did not start");
    c = std::make_unique<http_client>(http_port);
    BOOST_REQUIRE(c->put("/dicts/h/k", "1").status == 200);
  }
  ~http_node() {
    c.reset();
    if (proc) {
      proc->kill(SIGTERM);
      proc->wait(30s);
    }
  }
  // Still serving, and dict h holds only k = `k`.
  void unchanged(long k = 1) {
    auto r = c->get("/dicts/h/k");
    BOOST_TEST(r.status == 200, r.body);
    BOOST_TEST(r.json == k, r.body);
    auto keys = c->get("/dicts/h");
    BOOST_TEST(keys.json["keys"].size() == 1u, keys.body);
  }
};

int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12)
    return 0;
  return std::atoi(answer.substr(9, 3).c_str());
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_port, http_node)

BOOST_AUTO_TEST_CASE(junk_cut_and_oversized_requests) {
  struct kind {
    const char* what;
    std::string bytes;
    std::vector<int> statuses; // acceptable answers; 0: closed without one
  };
  std::vector<kind> kinds{
    {"random bytes", random_bytes(64 << 10, 8), {400, 0}},
    {"a request cut in its headers", "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nContent-Le", {400, 0}},
    {"a body cut short", "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12", {400, 0}},
    {"a 1 MB request line",
     "GET /dicts/h/" + std::string(1 << 20, 'k') + " HTTP/1.1\r\nHost: x\r\n\r\n", {414, 400, 0}},
    {"a 1 MB header", "GET /dicts/h/k HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'v')
                        + "\r\n\r\n", {431, 400, 0}},
    {"100,000 headers", [] {
       std::string s = "GET /dicts/h/k HTTP/1.1\r\nHost: x\r\n";
       for (int i = 0; i < 100000; ++i)
         s += "X-" + std::to_string(i) + ": v\r\n";
       return s + "\r\n";
     }(), {431, 400, 0}},
    {"a 70 MB Content-Length, then the sender stops",
     "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nContent-Length: 70000000\r\n\r\n" + std::string(4096, '1'),
     {413, 0}},
    {"a negative Content-Length", "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n2",
     {400, 0}},
    {"a bad chunked body", "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
     {400, 0}},
    {"an unknown method", "BREW /dicts/h/k HTTP/1.1\r\nHost: x\r\n\r\n", {400, 405, 0}},
  };
  // A body over the 64 MiB limit, sent whole: 413 with our JSON error body.
  {
    auto start = clock_type::now();
    auto r = c->put("/dicts/h/k", std::string((64u << 20) + 1, '1'));
    std::cout << "FIGURES http 64 MiB + 1 body: status=" << r.status << " ms=" << ms_since(start)
              << " " << r.body << std::endl;
    BOOST_TEST(r.status == 413, r.body);
    BOOST_TEST(r.json.value("error", "") == "payload_too_large", r.body);
    unchanged();
  }
  // A form-encoded body (curl --data's default Content-Type) over httplib's
  // 8 KB form limit: 413 that says why, and what to send instead.
  {
    auto r = c->raw().Put("/dicts/h/k", std::string(9000, '1'),
                          "application/x-www-form-urlencoded");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 413, r->body);
    BOOST_TEST(r->body.find("form-encoded") != std::string::npos, r->body);
    BOOST_TEST(r->body.find("application/json") != std::string::npos, r->body);
    unchanged();
  }
  for (auto& k : kinds) {
    auto r = send_junk(http_port, k.bytes, true, 10s);
    int status = status_of(r.answer);
    BOOST_TEST_MESSAGE("HTTP, " << k.what << ": status " << status << ", "
                                << (r.closed ? "closed" : "left open") << " after " << r.ms
                                << " ms");
    std::cout << "FIGURES http " << k.what << ": status=" << status << " closed=" << r.closed
              << " ms=" << r.ms << std::endl;
    BOOST_TEST(r.closed, k.what << ": not closed within 10 s");
    BOOST_TEST((std::find(k.statuses.begin(), k.statuses.end(), status) != k.statuses.end()),
               k.what << ": status " << status << " " << r.answer.substr(0, 200));
    if (status >= 400) // an error body like ours, in JSON
      BOOST_TEST(has(r.answer, "\"error\":"), k.what);
    unchanged();
  }
}

BOOST_AUTO_TEST_CASE(a_slow_client_does_not_block_others) {
  // One client sends a request a byte at a time, never finishing it; others
  // are served meanwhile, each within 2 s.
  int slow = connect_local(http_port);
  BOOST_REQUIRE(slow >= 0);
  std::string request = "PUT /dicts/h/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  long longest = 0;
  auto start = clock_type::now();
  std::size_t sent = 0;
  while (ms_since(start) < 4000) {
    if (sent < request.size())
      ::send(slow, request.data() + sent++, 1, MSG_NOSIGNAL);
    auto t = clock_type::now();
    auto r = c->get("/dicts/h/k");
    longest = std::max(longest, ms_since(t));
    BOOST_TEST(r.status == 200);
    std::this_thread::sleep_for(100ms);
  }
  ::close(slow);
  BOOST_TEST(longest < 2000, "a request took " << longest << " ms beside a slow client");
  std::cout << "FIGURES http slow client: longest other request " << longest << " ms" << std::endl;
  unchanged();
}

BOOST_AUTO_TEST_CASE(many_idle_connections_at_once) {
  // 200 connections that send nothing, then a request of a real client: it
  // is answered (how long it waited is reported).
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    int fd = connect_local(http_port);
    if (fd < 0)
      break;
    fds.push_back(fd);
  }
  BOOST_TEST_MESSAGE(fds.size() << " idle connections open");
  auto start = clock_type::now();
  http_client patient{http_port};
  patient.raw().set_read_timeout(120);
  auto r = patient.get("/dicts/h/k");
  auto waited = ms_since(start);
  std::cout << "FIGURES http: request beside " << fds.size() << " idle connections took "
            << waited << " ms" << std::endl;
  // Each idle connection holds a thread for the keep-alive wait; the server
  // adds threads (up to 512) so that a real request does not wait behind them
  // (with a fixed pool of 8 it waited 43 s). The bound is generous: it only
  // fails if the request waited for idle connections to time out.
  BOOST_TEST(r.status == 200);
  BOOST_TEST(waited < 1500, "a request waited " << waited << " ms behind idle connections");
  for (int fd : fds)
    ::close(fd);
  unchanged();
}

BOOST_AUTO_TEST_CASE(odd_values_and_keys) {
  // A value over 16 MiB (a valid JSON string of 17 MiB).
  auto r = c->put("/dicts/h/k", "\"" + std::string(17u << 20, 'x') + "\"");
  BOOST_TEST(r.status == 400, r.body.substr(0, 200));
  BOOST_TEST(r.json.value("error", "") == "value_too_large", r.body.substr(0, 200));
  // JSON nested 100,000 deep.
  r = c->put("/dicts/h/k", std::string(100000, '[') + std::string(100000, ']'));
  BOOST_TEST((r.status == 400 || r.status == 200), r.body.substr(0, 200));
  std::cout << "FIGURES http deep JSON: status " << r.status << " " << r.body.substr(0, 160)
            << std::endl;
  if (r.status == 200) // accepted: then it must read back the same
    BOOST_TEST(c->del("/dicts/h/k").status == 200);
  c->put("/dicts/h/k", "1");
  // A key that is not UTF-8: stored as its bytes, listed with U+FFFD.
  r = c->put("/dicts/h2/%FF%FEkey", "5");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(c->get("/dicts/h2/%FF%FEkey").json == 5);
  r = c->get("/dicts/h2");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json["keys"].size() == 1u, r.body);
  r = c->post("/dicts/h2/%FF%FEkey/incr", "\"x\"");
  BOOST_TEST(r.status == 409, r.body);
  BOOST_TEST(c->del("/dicts/h2/%FF%FEkey").status == 200);
  // Compare-and-set with an expected value of another type: not applied.
  r = c->post("/dicts/h/k/cas", R"({"new": 2, "expected": "1"})");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json.dump().find("false") != std::string::npos, r.body);
  unchanged();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(api_through_another_node)

// Bad values and keys sent by node a (C++ API, fast path) and by an
// mn::client (CAF messages) to a dict node b owns.
BOOST_AUTO_TEST_CASE(limits_and_types_are_checked_before_anything_is_stored) {
  cluster c{2};
  c.start_all();
  auto d = c.dict_owned_by(1, "remote");
  BOOST_REQUIRE(c.ask(0, "set " + d + " s \"text\"").ok);
  BOOST_REQUIRE(c.ask(0, "set " + d + " n 5").ok);
  c.start_client(1);
  auto huge = "\"" + std::string((16u << 20) + 10, 'x') + "\"";
  auto long_key = std::string(600, 'k');
  struct kind {
    std::string command;
    std::string error;
  };
  std::vector<kind> kinds{
    {"set " + d + " v " + huge, "value_too_large:"},
    {"set " + d + " " + long_key + " 1", "key_too_long:"},
    {"incr " + d + " s 1", "type_mismatch:"},
    {"incr " + d + " n \"1\"", "type_mismatch:"},
    {"incr " + d + " n 9223372036854775807", "overflow:"},
    {"setnx " + d + " " + long_key + " 1", "key_too_long:"},
    {"set bad/name k 1", "invalid_name:"},
  };
  for (auto& k : kinds) {
    auto from_node = c.ask(0, k.command);
    auto from_client = c.client_ask(k.command);
    for (auto& r : {from_node, from_client}) {
      BOOST_TEST(!r.ok, k.command.substr(0, 60));
      BOOST_TEST(has(r.text, k.error), r.text.substr(0, 200));
    }
  }
  // cas with an expected value of another type: not applied.
  BOOST_TEST(c.ask(0, "cas " + d + " n 6 \"5\"").text == "false");
  BOOST_TEST(c.client_ask("cas " + d + " s 1 \"other\"").text == "false");
  BOOST_TEST(c.ask(1, "get " + d + " s").text == "\"text\"");
  BOOST_TEST(c.ask(1, "get " + d + " n").text == "5");
  BOOST_TEST(c.ask(1, "size " + d).text == "2");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_files)

// A node process restarted on damaged files of one dict: that dict gives a
// clear error (or works, when LMDB can rebuild what was damaged), every other
// dict works, and the damaged files are left as they were.
BOOST_AUTO_TEST_CASE(damaged_files_fail_alone_and_are_left_alone) {
  temp_dir tmp{"hostile-files"};
  auto port = free_ports(1)[0];
  auto addr = "127.0.0.1:" + std::to_string(port);
  auto dir = tmp / "data";
  std::vector<std::string> args{MN_TEST_NODE, "--name", "a", "--listen", addr, "--data-dir", dir,
                                "--peer", "a=" + addr, "--request-timeout-ms", "3000"};
  struct kind {
    const char* what;
    std::function<void(const std::string&)> damage; // on the dict's directory
    std::vector<std::string> answers;                // acceptable "get" answers
  };
  auto write = [](const std::string& path, const std::string& bytes) {
    std::ofstream{path, std::ios::binary | std::ios::trunc} << bytes;
  };
  std::vector<kind> kinds{
    {"data.mdb truncated to 100 bytes", [](const std::string& p) {
       fs::resize_file(p + "/data.mdb", 100);
     }, {"corrupted:", "storage_failure:"}},
    {"data.mdb truncated to 0 bytes", [](const std::string& p) {
       fs::resize_file(p + "/data.mdb", 0);
     }, {"corrupted:", "storage_failure:", "ok"}},
    {"data.mdb overwritten with random bytes", [&](const std::string& p) {
       write(p + "/data.mdb", random_bytes(fs::file_size(p + "/data.mdb"), 9));
     }, {"corrupted:", "storage_failure:"}},
    {"lock.mdb garbage", [&](const std::string& p) {
       write(p + "/lock.mdb", random_bytes(8192, 10));
     }, {"ok", "corrupted:", "storage_failure:"}},
    {"the dict directory is a file", [&](const std::string& p) {
       fs::remove_all(p);
       write(p, "not a directory");
     }, {"bad_config:", "storage_failure:"}},
  };
  int i = 0;
  for (auto& k : kinds) {
    auto victim = "victim" + std::to_string(i);
    auto healthy = "healthy" + std::to_string(i++);
    {
      child_process n{args};
      BOOST_REQUIRE(n.read_line(60s) == std::optional<std::string>{"ready"});
      BOOST_REQUIRE(parse_reply(*n.ask("set " + victim + " k 1", 30s)).ok);
      BOOST_REQUIRE(parse_reply(*n.ask("set " + healthy + " k 2", 30s)).ok);
      n.kill(SIGKILL);
      n.wait(30s);
    }
    auto vdir = dir + "/dicts/" + victim;
    k.damage(vdir);
    std::map<std::string, std::string> before;
    for (auto& e : fs::recursive_directory_iterator{dir + "/dicts"})
      if (e.is_regular_file() && e.path().filename() != "lock.mdb")
        before[e.path().string()] = [&] {
          std::ifstream in{e.path(), std::ios::binary};
          std::ostringstream os;
          os << in.rdbuf();
          return os.str();
        }();
    child_process n{args};
    auto ready = n.read_line(60s);
    BOOST_REQUIRE_MESSAGE(ready == std::optional<std::string>{"ready"},
                          k.what << ": the node did not start: " << ready.value_or("(nothing)"));
    auto line = n.ask("get " + victim + " k", 30s);
    BOOST_REQUIRE_MESSAGE(line, k.what << ": no answer");
    auto r = parse_reply(*line);
    BOOST_TEST_MESSAGE(k.what << ": " << *line);
    std::cout << "FIGURES data files " << k.what << ": " << line->substr(0, 300) << std::endl;
    bool expected = false; // "ok", or an error whose name is listed
    for (auto& a : k.answers)
      expected = expected || (r.ok ? a == "ok" : a != "ok" && r.text.rfind(a, 0) == 0);
    BOOST_TEST(expected, k.what << ": " << *line);
    if (!r.ok)
      BOOST_TEST(r.text.size() > 40, k.what << ": the error says too little: " << r.text);
    // Other dicts work, and a write to a fresh one too.
    BOOST_TEST(parse_reply(*n.ask("get " + healthy + " k", 30s)).text == "2", k.what);
    BOOST_TEST(parse_reply(*n.ask("set fresh" + std::to_string(i) + " k 3", 30s)).ok, k.what);
    // A write to the damaged dict is refused the same way, the files unchanged.
    auto w = parse_reply(*n.ask("set " + victim + " k 9", 30s));
    if (!r.ok) {
      BOOST_TEST(!w.ok, k.what << ": a write to the damaged dict was accepted");
      for (auto& [path, bytes] : before) {
        std::ifstream in{path, std::ios::binary};
        std::ostringstream os;
        os << in.rdbuf();
        BOOST_TEST((os.str() == bytes), k.what << ": " << path << " changed");
      }
    }
    n.kill(SIGKILL);
    n.wait(30s);
    // Repair for the next round: remove the victim.
    fs::remove_all(vdir);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cli)

// mn's own checks, beyond tests/apps/mn_cli_test.cpp: a value over 16 MiB in
// an import file, and keys that are not UTF-8.
BOOST_AUTO_TEST_CASE(an_oversized_import_value_and_non_utf8_keys) {
  cluster c{1};
  c.start_all();
  temp_dir tmp{"hostile-cli"};
  auto mn = [&](std::vector<std::string> args, const std::string& stdin_file = "/dev/null") {
    auto err = tmp / "err.txt";
    std::vector<std::string> argv{"/bin/sh", "-c", "e=$1; i=$2; shift 2; exec \"$@\" <\"$i\" 2>\"$e\"",
                                  "sh", err, stdin_file, MN_CLI, "--node", c.address(0)};
    argv.insert(argv.end(), args.begin(), args.end());
    child_process p{argv};
    std::string out;
    while (auto line = p.read_line(60s))
      out += *line + "\n";
    int code = p.wait(60s);
    std::ifstream in{err};
    std::string e{std::istreambuf_iterator<char>{in}, {}};
    return std::make_tuple(code, out, e);
  };
  BOOST_REQUIRE(std::get<0>(mn({"dict", "set", "cli", "keep", "1"})) == 0);
  auto file = tmp / "big.jsonl";
  {
    std::ofstream f{file, std::ios::binary};
    f << "{\"key\": \"small\", \"value\": 1}\n";
    f << "{\"key\": \"big\", \"value\": \"" << std::string((16u << 20) + 100, 'x') << "\"}\n";
  }
  auto [code, out, err] = mn({"dict", "import", "cli"}, file);
  BOOST_TEST(code == 2, err);
  BOOST_TEST(has(err, "over the limit of 16 MiB"), err);
  BOOST_TEST(has(err, "nothing was imported"), err);
  // A key that is not UTF-8 (bytes in argv): stored as is, listed readably.
  std::string odd_key = "\xff\xfe-key";
  std::tie(code, out, err) = mn({"dict", "set", "cli", odd_key, "2"});
  BOOST_TEST(code == 0, err);
  std::tie(code, out, err) = mn({"dict", "get", "cli", odd_key});
  BOOST_TEST(out == "2\n", err);
  std::tie(code, out, err) = mn({"dict", "keys", "cli"});
  BOOST_TEST(code == 0, err);
  BOOST_TEST(has(out, "keep\n"), out);
  std::tie(code, out, err) = mn({"dict", "del", "cli", odd_key});
  BOOST_TEST(code == 0, err);
  std::tie(code, out, err) = mn({"dict", "keys", "cli"});
  BOOST_TEST(out == "keep\n", out);
}

BOOST_AUTO_TEST_SUITE_END()
