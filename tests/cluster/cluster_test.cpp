// Three real node processes on loopback: every process reaches every dict,
// wherever it lives, and atomic operations stay atomic across nodes.
#include "cluster/cluster_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mn::test;

BOOST_AUTO_TEST_SUITE(cluster_basics)

BOOST_AUTO_TEST_CASE(a_dict_written_on_one_node_is_read_on_the_others) {
  cluster c{3};
  c.start_all();
  std::set<std::string> owners;
  for (int i = 0; i < 12; ++i) {
    auto d = "spread" + std::to_string(i);
    auto r = c.ask(0, "set " + d + " k {\"i\":" + std::to_string(i) + "}");
    BOOST_REQUIRE_MESSAGE(r.ok, r.text);
    owners.insert(c.ask(0, "owner " + d).text);
    for (int reader : {1, 2}) {
      auto got = c.ask(reader, "get " + d + " k");
      BOOST_TEST(got.ok);
      BOOST_TEST(got.text == "{\"i\":" + std::to_string(i) + "}");
      BOOST_TEST(c.ask(reader, "owner " + d).text == *owners.find(c.ask(0, "owner " + d).text));
    }
  }
  BOOST_TEST(owners.size() == 3u); // the dicts are spread over all three owners
  // keys() of a dict owned elsewhere, from each node.
  auto remote = c.dict_owned_by(2, "listing");
  for (auto k : {"b", "a", "c"})
    BOOST_REQUIRE(c.ask(0, std::string{"set "} + remote + " " + k + " 1").ok);
  for (int i = 0; i < 3; ++i) {
    auto r = c.ask(i, "keys " + remote);
    BOOST_TEST(r.ok);
    BOOST_TEST(r.text == "a b c");
    BOOST_TEST(c.ask(i, "size " + remote).text == "3");
  }
  // Errors travel back unchanged.
  auto r = c.ask(1, "incr " + remote + " nokey 1");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.text.find("key_missing") == 0);
  c.ask(0, "set " + remote + " s \"text\"");
  r = c.ask(1, "incr " + remote + " s 1");
  BOOST_TEST(r.text.find("type_mismatch") == 0);
}

BOOST_AUTO_TEST_CASE(a_client_reaches_every_dict_directly) {
  cluster c{3};
  c.start_all();
  c.start_client(1);
  for (int owner = 0; owner < 3; ++owner) {
    auto d = c.dict_owned_by(owner, "viaclient");
    BOOST_REQUIRE(c.client_ask("set " + d + " k 42").ok);
    BOOST_TEST(c.ask(owner, "get " + d + " k").text == "42");
    BOOST_TEST(c.client_ask("owner " + d).text == c.name(owner));
  }
}

BOOST_AUTO_TEST_CASE(increments_from_all_nodes_and_a_client_are_exact) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  auto d = c.dict_owned_by(1, "counter");
  // Each node and the client increment concurrently, 4 threads each.
  for (int i = 0; i < 3; ++i)
    c.send(i, "incr_many " + d + " hits 600 4");
  c.client_send("incr_many " + d + " hits 600 4");
  auto from_client = c.client_receive();
  long acked = 0;
  BOOST_REQUIRE_MESSAGE(from_client.ok, from_client.text);
  BOOST_TEST(from_client.text == "600 0");
  acked += 600;
  for (int i = 0; i < 3; ++i) {
    auto r = c.receive(i);
    BOOST_REQUIRE_MESSAGE(r.ok, r.text);
    BOOST_TEST(r.text == "600 0");
    acked += 600;
  }
  BOOST_TEST(c.ask(2, "get " + d + " hits").text == std::to_string(acked));
}

BOOST_AUTO_TEST_CASE(races_across_nodes_have_exactly_one_winner) {
  cluster c{3};
  c.start_all();
  auto d = c.dict_owned_by(2, "races");
  // set_if_absent: every key is won exactly once.
  for (int i = 0; i < 3; ++i)
    c.send(i, "setnx_many " + d + " claim 300");
  long wins = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = c.receive(i);
    BOOST_REQUIRE_MESSAGE(r.ok, r.text);
    wins += std::stol(r.text);
  }
  BOOST_TEST(wins == 300);
  BOOST_TEST(c.ask(0, "size " + d).text == "300");
  // update(k, v+1, v): the counter ends at exactly the number of successes.
  BOOST_REQUIRE(c.ask(0, "set " + d + " chain 0").ok);
  for (int i = 0; i < 3; ++i)
    c.send(i, "cas_chain " + d + " chain 300");
  long successes = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = c.receive(i);
    BOOST_REQUIRE_MESSAGE(r.ok, r.text);
    successes += std::stol(r.text);
  }
  BOOST_TEST(successes > 0);
  BOOST_TEST(c.ask(1, "get " + d + " chain").text == std::to_string(successes));
}

BOOST_AUTO_TEST_CASE(actors_use_remote_dicts_without_blocking) {
  cluster c{3};
  c.start_all();
  c.start_client(2);
  auto d = c.dict_owned_by(1, "actors");
  for (int i = 0; i < 3; ++i)
    c.send(i, "aincr_many " + d + " n 1000");
  c.client_send("aincr_many " + d + " n 1000");
  for (int i = 0; i < 3; ++i) {
    auto r = c.receive(i);
    BOOST_TEST(r.text == "1000 0 -", "node " << c.name(i) << ": " << r.text);
  }
  BOOST_TEST(c.client_receive().text == "1000 0 -");
  BOOST_TEST(c.ask(0, "get " + d + " n").text == "4000");
}

// What mn nodes / mn dicts show: every member with the dicts it holds, every
// dict with its owner and size; a dead member is down, its dicts missing.
BOOST_AUTO_TEST_CASE(members_and_dicts_of_the_whole_cluster) {
  cluster c{3};
  c.start_all();
  c.start_client(0);
  std::string names[3];
  for (int i = 0; i < 3; ++i) {
    names[i] = c.dict_owned_by(i, "inv");
    for (int k = 0; k <= i; ++k)
      BOOST_REQUIRE(c.ask(0, "set " + names[i] + " k" + std::to_string(k) + " 1").ok);
  }
  auto dicts = c.client_ask("dicts -").text;
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(dicts.find(names[i] + "@" + c.name(i) + ":" + std::to_string(i + 1))
                 != std::string::npos,
               dicts);
  BOOST_TEST(dicts.find("__") == std::string::npos, dicts); // system dicts hidden
  auto nodes = c.ask(1, "nodes -").text;
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(nodes.find(c.name(i) + "=up[") != std::string::npos, nodes);
  BOOST_TEST(nodes.find(names[2]) != std::string::npos, nodes);
  c.kill(2, SIGKILL);
  auto r = c.client_ask("nodes -", std::chrono::seconds(20));
  BOOST_TEST(r.ok, r.text);
  BOOST_TEST(r.text.find(c.name(2) + "=down") != std::string::npos, r.text);
  r = c.client_ask("dicts -", std::chrono::seconds(20));
  BOOST_TEST(r.ok, r.text);
  BOOST_TEST(r.text.find(names[2]) == std::string::npos, r.text);
  BOOST_TEST(r.text.find(names[0] + "@" + c.name(0) + ":1") != std::string::npos, r.text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cluster_paths)

// The same behaviour with the fast path off: everything over CAF messages.
BOOST_AUTO_TEST_CASE(the_caf_path_alone_serves_everything) {
  cluster c{3, {"--no-fast-path"}};
  c.start_all();
  BOOST_TEST(c.ask(0, "fastport -").text == "0");
  auto d = c.dict_owned_by(2, "cafonly");
  BOOST_REQUIRE(c.ask(0, "set " + d + " k [1,2]").ok);
  BOOST_TEST(c.ask(1, "get " + d + " k").text == "[1,2]");
  for (int i = 0; i < 2; ++i)
    c.send(i, "incr_many " + d + " n 200 4");
  for (int i = 0; i < 2; ++i)
    BOOST_TEST(c.receive(i).text == "200 0");
  BOOST_TEST(c.ask(2, "get " + d + " n").text == "400");
  BOOST_TEST(c.ask(1, "cas " + d + " n 0 400").text == "true");
  BOOST_TEST(c.ask(0, "keys " + d).text == "k n");
}

// Garbage on the fast-path port costs that connection only.
BOOST_AUTO_TEST_CASE(garbage_on_the_fast_port_is_dropped) {
  cluster c{2};
  c.start_all();
  auto d = c.dict_owned_by(1, "sturdy");
  BOOST_REQUIRE(c.ask(0, "set " + d + " k 1").ok);
  auto port = std::stoi(c.ask(1, "fastport -").text);
  BOOST_REQUIRE(port > 0);
  for (std::string junk : {std::string("\xff\xff\xff\xff", 4), std::string("GET / HTTP/1.0\r\n\r\n"),
                           std::string("\x05\x00\x00\x00\x00\x01\x02\x03\x04", 9)}) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    BOOST_REQUIRE(::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
    ::shutdown(fd, SHUT_WR);
    char buf[256];
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    auto start = std::chrono::steady_clock::now();
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) {
    } // the node may answer (an error), then it closes the connection
    BOOST_TEST(n == 0, "the node did not close the connection");
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
    ::close(fd);
  }
  BOOST_TEST(c.ask(0, "get " + d + " k").text == "1");
  BOOST_TEST(c.ask(0, "incr " + d + " k 1").text == "2");
}

BOOST_AUTO_TEST_SUITE_END()
