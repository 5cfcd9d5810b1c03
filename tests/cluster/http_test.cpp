// The HTTP API of real mnode processes (--http 127.0.0.1:0): a write through
// one node to a dict another owns, what each node's /metrics and /healthz say,
// the statuses when the owner dies, a refused port, and a clean SIGTERM.
#include "cluster/cluster_fixture.hpp"
#include "runtime/membership.hpp"
#include "support/http.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

using namespace mn::test;
using namespace std::chrono_literals;

namespace {

struct mnode_process {
  std::unique_ptr<child_process> proc;
  uint16_t http_port = 0;
};

// Starts mnode with `args` and reads its HTTP port from the ready line.
mnode_process start_mnode(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MN_MNODE};
  argv.insert(argv.end(), args.begin(), args.end());
  mnode_process p;
  p.proc = std::make_unique<child_process>(argv);
  auto line = p.proc->read_line(60s);
  BOOST_REQUIRE_MESSAGE(line && line->find("ready on") != std::string::npos,
                        "mnode did not start: " << (line ? *line : "(nothing)"));
  auto at = line->rfind("HTTP on 127.0.0.1:");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no HTTP port in: " << *line);
  p.http_port = static_cast<uint16_t>(std::stoul(line->substr(at + 18)));
  return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_cluster)

BOOST_AUTO_TEST_CASE(two_mnodes_serve_each_others_dicts_and_report_it) {
  temp_dir tmp{"http-cluster"};
  auto ports = free_ports(2);
  std::string addr[2] = {"127.0.0.1:" + std::to_string(ports[0]),
                         "127.0.0.1:" + std::to_string(ports[1])};
  std::string names[2] = {"a", "b"};
  auto args = [&](int i) {
    return std::vector<std::string>{"--name", names[i], "--listen", addr[i], "--data-dir",
                                    tmp / names[i], "--peer", "a=" + addr[0], "--peer",
                                    "b=" + addr[1], "--http", "127.0.0.1:0",
                                    "--request-timeout-ms", "2000", "--connect-timeout-ms",
                                    "1000", "--heartbeat-ms", "200"};
  };
  auto a = start_mnode(args(0));
  auto b = start_mnode(args(1));
  // A dict owned by b, computed the way every node does.
  mn::node_options o;
  o.name = "a";
  o.listen = addr[0];
  o.peers = {mn::parse_peer("a=" + addr[0]), mn::parse_peer("b=" + addr[1])};
  auto members = mn::runtime::membership::from_options(o);
  std::string on_b;
  for (int k = 0; k < 200 && on_b.empty(); ++k)
    if (members.owner_of("d" + std::to_string(k)).name == "b")
      on_b = "d" + std::to_string(k);
  BOOST_REQUIRE(!on_b.empty());

  http_client ca{a.http_port};
  http_client cb{b.http_port};
  auto key = "/dicts/" + on_b + "/" + url_encode("a key/ü");
  auto r = ca.put(key, R"({"via": "a"})");
  BOOST_TEST(r.status == 200, r.body);
  r = cb.get(key);
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json == (mn::value{{"via", "a"}}));
  BOOST_TEST(ca.post(key + "x/incr?initial=0", "5").json == 5);
  BOOST_TEST(ca.get("/dicts/" + on_b).json["keys"].size() == 2u);

  // a counted its calls; b counted what it served for a, and owns the keys.
  auto ma = parse_metrics(ca.get("/metrics").body);
  auto mb = parse_metrics(cb.get("/metrics").body);
  check_metrics_format(ma);
  check_metrics_format(mb);
  BOOST_TEST(ma.value_or_zero("mn_dict_ops_total", {{"dict", on_b}, {"op", "set"}}) == 1);
  BOOST_TEST(mb.value_or_zero("mn_dict_ops_total", {{"dict", on_b}, {"op", "set"}}) == 1);
  BOOST_TEST(mb.value_or_zero("mn_dict_ops_total", {{"dict", on_b}, {"op", "get"}}) == 1);
  BOOST_TEST(mb.value_or_zero("mn_dict_commit_batch_size_sum", {{"dict", on_b}}) >= 2);
  BOOST_TEST(mb.value_or_zero("mn_dict_keys", {{"dict", on_b}}) == 2);
  BOOST_TEST(!ma.value("mn_dict_keys", {{"dict", on_b}})); // a does not own it
  BOOST_TEST(ma.value_or_zero("mn_member_up", {{"member", "a"}}) == 1);
  BOOST_TEST(ma.value_or_zero("mn_member_up", {{"member", "b"}}) == 1);
  r = ca.get("/healthz");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json["members"][1]
             == (mn::value{{"name", "b"}, {"address", addr[1]}, {"up", true}}));

  // b dies: its dicts answer 503 (or 504) through a, within the timeouts; a
  // stays healthy and says b is down.
  b.proc->kill(SIGKILL);
  b.proc->wait(30s);
  auto start = std::chrono::steady_clock::now();
  r = ca.get(key);
  BOOST_TEST((r.status == 503 || r.status == 504), r.status << " " << r.body);
  BOOST_TEST((r.json.value("error", "") == "unavailable" || r.json.value("error", "") == "timeout"),
             r.body);
  BOOST_TEST(has(r.json.value("message", ""), "'b'"));
  BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
  r = ca.get("/healthz");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json["members"][1]["up"] == false);
  BOOST_TEST(!r.json["members"][1].value("error", "").empty());
  ma = parse_metrics(ca.get("/metrics").body);
  BOOST_TEST(ma.value_or_zero("mn_member_up", {{"member", "b"}}) == 0);
  BOOST_TEST(ma.value_or_zero("mn_dict_op_errors_total", {{"dict", on_b}, {"op", "get"}}) == 1);

  // A second mnode on a's HTTP port is refused with one clear line.
  {
    child_process p{{"/bin/sh", "-c",
                     std::string{"exec '"} + MN_MNODE + "' --listen 127.0.0.1:"
                       + std::to_string(free_ports(1)[0]) + " --data-dir '" + (tmp / "c")
                       + "' --http 127.0.0.1:" + std::to_string(a.http_port) + " 2>&1"}};
    std::vector<std::string> lines;
    while (auto l = p.read_line(60s))
      lines.push_back(*l);
    BOOST_TEST(p.wait(60s) == 2);
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(
      has(lines[0], "mnode: cannot serve HTTP on 127.0.0.1:" + std::to_string(a.http_port)));
    BOOST_TEST(has(lines[0], "choose another --http port"));
  }
  BOOST_TEST(ca.get("/healthz").status == 200); // a still serves

  // SIGTERM with HTTP on: exit 0, and the port is free again.
  a.proc->kill(SIGTERM);
  BOOST_TEST(a.proc->wait(30s) == 0);
  BOOST_TEST(http_client{a.http_port}.get("/healthz").status == 0);
}

BOOST_AUTO_TEST_CASE(mnode_refuses_a_malformed_http_address) {
  temp_dir tmp{"http-bad"};
  child_process p{{"/bin/sh", "-c",
                   std::string{"exec '"} + MN_MNODE + "' --listen 127.0.0.1:"
                     + std::to_string(free_ports(1)[0]) + " --data-dir '" + (tmp / "d")
                     + "' --http localhost 2>&1"}};
  std::vector<std::string> lines;
  while (auto l = p.read_line(60s))
    lines.push_back(*l);
  BOOST_TEST(p.wait(60s) == 2);
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(has(lines[0], "malformed --http 'localhost': expected HOST:PORT"));
}

BOOST_AUTO_TEST_SUITE_END()
