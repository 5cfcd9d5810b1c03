// The HTTP API of an embedded node (--http 127.0.0.1:0), driven by a real HTTP
// client over TCP: every endpoint, every error status with its body, keys with
// odd bytes, an application's routes, /metrics in the Prometheus text format,
// a refused port, and a clean stop with requests in flight.
#include "runtime/fixture.hpp"
#include "support/http.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mn;
using mn::test::has;
using mn::test::http_client;
using mn::test::url_encode;
using namespace std::chrono_literals;

namespace {

/// A node serving HTTP on a free port, and a client of it.
struct http_fixture {
  test::temp_dir dir{"http"};
  std::unique_ptr<mn::node> n;
  std::unique_ptr<http_client> c;

  http_fixture() {
    node_options o;
    o.data_dir = dir / "data";
    o.http = "127.0.0.1:0";
    n = std::make_unique<mn::node>(o);
    BOOST_REQUIRE(n->http_port() != 0);
    c = std::make_unique<http_client>(n->http_port());
  }

  static std::string key_path(const std::string& dict, const std::string& key,
                              const std::string& action = "") {
    return "/dicts/" + url_encode(dict) + "/" + url_encode(key)
           + (action.empty() ? "" : "/" + action);
  }
};

// The error body of a reply: {"error": name, "message": ...}, with a message.
void is_error(const test::http_reply& r, int status, const std::string& name) {
  BOOST_TEST(r.status == status, "status " << r.status << " body " << r.body);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(r.json.is_object(), r.body);
  if (!r.json.is_object())
    return;
  BOOST_TEST(r.json.value("error", "") == name, r.body);
  BOOST_TEST(!r.json.value("message", "").empty(), r.body);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http, http_fixture)

BOOST_AUTO_TEST_CASE(put_get_delete_round_trip_with_the_blocking_api) {
  auto r = c->put(key_path("h", "a"), R"({"x": [1, 2.5, "s", null, true]})");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json == (value{{"ok", true}}));
  BOOST_TEST(n->get_dict("h").at("a") == (value{{"x", {1, 2.5, "s", nullptr, true}}}));
  n->get_dict("h").set("b", "from C++");
  r = c->get(key_path("h", "b"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(r.json == "from C++");
  r = c->put(key_path("h", "a"), "7"); // overwrite
  BOOST_TEST(c->get(key_path("h", "a")).json == 7);
  r = c->del(key_path("h", "a"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json == (value{{"deleted", true}}));
  r = c->del(key_path("h", "a"));
  BOOST_TEST(r.json == (value{{"deleted", false}}));
  BOOST_TEST(!n->get_dict("h").contains("a"));
  BOOST_TEST(c->head(key_path("h", "b")).status == 200); // HEAD is served by GET
}

BOOST_AUTO_TEST_CASE(increment_compare_and_set_set_if_absent) {
  c->put(key_path("h", "n"), "10");
  auto r = c->post(key_path("h", "n", "incr"), ""); // no body: delta 1
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json == 11);
  r = c->post(key_path("h", "n", "incr"), "-5");
  BOOST_TEST(r.json == 6);
  r = c->post(key_path("h", "n", "incr"), "0.5");
  BOOST_TEST(r.json == 6.5);
  r = c->post(key_path("h", "fresh", "incr") + "?initial=100", "2");
  BOOST_TEST(r.json == 102);
  // A POST without Content-Length has no body either (curl -X POST URL).
  auto raw = test::raw_http(n->http_port(), "POST /dicts/h/fresh/incr HTTP/1.1\r\n"
                                            "Host: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(has(raw, "HTTP/1.1 200"));
  BOOST_TEST(has(raw, "\r\n\r\n103"));

  r = c->post(key_path("h", "n", "cas"), R"({"new": 9, "expected": 6.5})");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json == (value{{"applied", true}}));
  r = c->post(key_path("h", "n", "cas"), R"({"new": 1, "expected": 6.5})");
  BOOST_TEST(r.json == (value{{"applied", false}}));
  BOOST_TEST(n->get_dict("h").at("n") == 9);

  r = c->post(key_path("h", "y", "setnx"), R"("first")");
  BOOST_TEST(r.json == (value{{"applied", true}}));
  r = c->post(key_path("h", "y", "setnx"), R"("second")");
  BOOST_TEST(r.json == (value{{"applied", false}}));
  BOOST_TEST(n->get_dict("h").at("y") == "first");
}

BOOST_AUTO_TEST_CASE(keys_with_odd_bytes) {
  std::vector<std::string> keys = {
    "with space", "a/b/c", "/", "ключ ✓", "100%", "q?x=1&y=2", "h#frag", "plus+sign",
    std::string("nul\0byte", 8), "tab\tnew\nline", "..", "dicts", std::string(511, 'k'),
    "\x7f\x01"};
  int i = 0;
  for (auto& k : keys) {
    BOOST_TEST_CONTEXT("key #" << i) {
      auto r = c->put(key_path("odd", k), std::to_string(i));
      BOOST_TEST(r.status == 200, r.body);
      BOOST_TEST(n->get_dict("odd").at(k) == i); // exactly these bytes
      BOOST_TEST(c->get(key_path("odd", k)).json == i);
      BOOST_TEST(c->post(key_path("odd", k, "incr"), "1").json == i + 1);
    }
    ++i;
  }
  // Listing shows them (in byte order); valid UTF-8 comes back unchanged.
  auto r = c->get("/dicts/odd?limit=100");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json["keys"].size() == keys.size());
  bool found_unicode = false;
  for (auto& k : r.json["keys"])
    found_unicode = found_unicode || k == "ключ ✓";
  BOOST_TEST(found_unicode);
  // '+' in a path is a plus, not a space; "a/b/c" sent unencoded is another path.
  BOOST_TEST(c->get("/dicts/odd/plus+sign").json == 8);
  is_error(c->get("/dicts/odd/a/b/c"), 404, "not_found");
  // A malformed escape is refused, not guessed at.
  is_error(c->get("/dicts/odd/bad%zzescape"), 400, "invalid_argument");
  is_error(c->get("/dicts/odd/cut%4"), 400, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(listing_pages_with_prefix_after_and_limit) {
  auto d = n->get_dict("list");
  std::vector<std::pair<std::string, value>> items;
  for (int i = 0; i < 25; ++i) {
    char k[16];
    std::snprintf(k, sizeof(k), "k%02d", i);
    items.emplace_back(k, i);
  }
  items.emplace_back("a", 1);
  items.emplace_back("z", 1);
  items.emplace_back("k", 1); // the prefix itself is a key
  d.set_many(items);
  auto r = c->get("/dicts/list");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json["keys"].size() == 28u); // default limit 100
  BOOST_TEST(r.json["next"].is_null());
  BOOST_TEST(r.json["keys"][0] == "a");
  // Pages of 10 with a prefix: k, k00..k08 | k09..k18 | k19..k24.
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  for (; pages < 10; ++pages) {
    auto path = "/dicts/list?prefix=k&limit=10" + (after.empty() ? "" : "&after=" + after);
    r = c->get(path);
    BOOST_REQUIRE(r.status == 200);
    for (auto& k : r.json["keys"])
      seen.push_back(k);
    if (r.json["next"].is_null())
      break;
    after = r.json["next"];
  }
  BOOST_TEST(pages == 2);
  BOOST_TEST(seen.size() == 26u);
  BOOST_TEST(seen.front() == "k");
  BOOST_TEST(seen.back() == "k24");
  // Exactly a full page: next is null only when nothing follows.
  r = c->get("/dicts/list?prefix=k0&limit=10");
  BOOST_TEST(r.json["keys"].size() == 10u);
  BOOST_TEST(r.json["next"].is_null());
  r = c->get("/dicts/list?after=k24");
  BOOST_TEST(r.json["keys"] == (value{"z"}));
  r = c->get("/dicts/list?prefix=nothing");
  BOOST_TEST(r.json["keys"].empty());
  BOOST_TEST(c->get("/dicts/empty-dict").json
             == (value{{"keys", value::array()}, {"next", nullptr}}));
  r = c->get("/dicts/list?limit=10000");
  BOOST_TEST(r.status == 200);
  for (auto bad : {"0", "10001", "-1", "ten", ""})
    is_error(c->get(std::string("/dicts/list?limit=") + bad), 400, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(each_error_status_has_its_json_body_and_changes_nothing) {
  auto d = n->get_dict("e");
  d.set("s", "text");
  d.set("n", 5);
  // 400: invalid JSON bodies, a bad cas body, bad names, long and empty keys.
  is_error(c->put(key_path("e", "n"), "{not json"), 400, "invalid_argument");
  is_error(c->put(key_path("e", "n"), ""), 400, "invalid_argument");
  is_error(c->post(key_path("e", "n", "incr"), "[1,"), 400, "invalid_argument");
  is_error(c->post(key_path("e", "n", "cas"), R"({"new": 1})"), 400, "invalid_argument");
  is_error(c->post(key_path("e", "n", "cas"), "3"), 400, "invalid_argument");
  is_error(c->post(key_path("e", "n", "setnx"), "nope"), 400, "invalid_argument");
  is_error(c->post(key_path("e", "n", "incr") + "?initial=oops", "1"), 400, "invalid_argument");
  is_error(c->get(key_path("__jobs", "x")), 400, "invalid_name");
  is_error(c->get(key_path("bad name", "x")), 400, "invalid_name");
  is_error(c->put("/dicts/e/", "1"), 400, "invalid_argument"); // empty key
  auto r = c->put(key_path("e", std::string(512, 'k')), "1");
  is_error(r, 400, "key_too_long");
  BOOST_TEST(has(r.json.value("message", ""), "511-byte limit"));
  // 404: a missing key (read, increment); an unknown path.
  r = c->get(key_path("e", "missing"));
  is_error(r, 404, "key_missing");
  BOOST_TEST(has(r.json.value("message", ""), "'missing'"));
  is_error(c->post(key_path("e", "missing", "incr"), "1"), 404, "key_missing");
  is_error(c->get("/nothing/here"), 404, "not_found");
  is_error(c->get("/"), 404, "not_found");
  // 405: a known path, another method.
  r = c->post("/healthz", "{}");
  is_error(r, 405, "method_not_allowed");
  BOOST_TEST(r.allow == "GET");
  r = c->patch(key_path("e", "n"), "1");
  is_error(r, 405, "method_not_allowed");
  BOOST_TEST(r.allow == "DELETE, GET, PUT");
  // 409: increment of a string, by a string; integer overflow.
  is_error(c->post(key_path("e", "s", "incr"), "1"), 409, "type_mismatch");
  is_error(c->post(key_path("e", "n", "incr"), R"("x")"), 409, "type_mismatch");
  is_error(c->post(key_path("e", "n", "incr"), "9223372036854775807"), 409, "overflow");
  // Nothing above changed the dict.
  BOOST_TEST(d.at("s") == "text");
  BOOST_TEST(d.at("n") == 5);
  BOOST_TEST(d.size() == 2u);
  BOOST_TEST(!d.contains(std::string(512, 'k').substr(0, 511)));
}

BOOST_AUTO_TEST_CASE(server_side_errors_map_to_500_503_504) {
  // The statuses the dict API gives when its node or disk fails, through
  // routes that throw what the blocking API throws then.
  n->http_route("GET", "/fail/{what}", [](const http_request& req) -> http_response {
    auto what = req.param("what");
    if (what == "unavailable")
      throw unavailable(errc::unavailable, "node 'b' (127.0.0.1:1) cannot be reached");
    if (what == "storage")
      throw storage_error(errc::storage_failure, "disk full");
    if (what == "corrupted")
      throw storage_error(errc::corrupted, "bad file");
    if (what == "other")
      throw std::runtime_error("plain exception");
    return http_response::json(what);
  });
  is_error(c->get("/fail/unavailable"), 503, "unavailable");
  is_error(c->get("/fail/storage"), 500, "storage_failure");
  is_error(c->get("/fail/corrupted"), 500, "corrupted");
  is_error(c->get("/fail/other"), 500, "internal");
  // 504: a real timeout, a function slower than its timeout called by a route.
  function_options fo;
  fo.timeout = 100ms;
  n->register_function("slow", [](const value&) {
    std::this_thread::sleep_for(600ms);
    return value{};
  }, fo);
  n->http_route("POST", "/slow", [this](const http_request&) {
    return http_response::json(n->function("slow").call(nullptr));
  });
  is_error(c->post("/slow", ""), 504, "timeout");
  BOOST_TEST(http_status(errc::timeout) == 504);
  BOOST_TEST(http_status(errc::unavailable) == 503);
  BOOST_TEST(http_status(errc::storage_failure) == 500);
  BOOST_TEST(http_status(errc::job_not_found) == 404);
}

BOOST_AUTO_TEST_CASE(application_routes_with_params) {
  n->http_route("GET", "/users/{id}/score", [this](const http_request& req) {
    auto d = n->get_dict("scores");
    return http_response::json({{"id", req.param("id")},
                                {"score", d.get(req.param("id"), 0)},
                                {"verbose", req.query_param("verbose").value_or("no")},
                                {"agent", req.header("x-test-agent").value_or("")},
                                {"path", req.path}});
  });
  n->http_route("POST", "/users/{id}/score", [this](const http_request& req) {
    auto body = req.json();
    n->get_dict("scores").set(req.param("id"), body["score"]);
    return http_response::json({{"ok", true}}, 201);
  });
  n->http_route("GET", "/users/admin/score", [](const http_request&) {
    return http_response::text("literal wins", 200);
  });
  auto r = c->post("/users/" + url_encode("ann b/c") + "/score", R"({"score": 42})");
  BOOST_TEST(r.status == 201, r.body);
  BOOST_TEST(n->get_dict("scores").at("ann b/c") == 42);
  httplib::Headers h{{"X-Test-Agent", "boost"}};
  auto res = c->raw().Get("/users/ann%20b%2Fc/score?verbose=yes%21&verbose=ignored", h);
  BOOST_REQUIRE(res);
  auto j = value::parse(res->body);
  BOOST_TEST(j["id"] == "ann b/c");
  BOOST_TEST(j["score"] == 42);
  BOOST_TEST(j["verbose"] == "yes!");
  BOOST_TEST(j["agent"] == "boost");
  BOOST_TEST(j["path"] == "/users/ann%20b%2Fc/score");
  r = c->get("/users/admin/score");
  BOOST_TEST(r.body == "literal wins");
  BOOST_TEST(r.content_type == "text/plain; charset=utf-8");
  // Replacing a route while serving.
  n->http_route("GET", "/users/admin/score", [](const http_request&) {
    return http_response::text("replaced");
  });
  BOOST_TEST(c->get("/users/admin/score").body == "replaced");
  // Registration errors name the problem.
  auto refused = [&](const std::string& method, const std::string& pattern,
                     const std::string& part) {
    try {
      n->http_route(method, pattern, [](const http_request&) { return http_response{}; });
      BOOST_ERROR("accepted " << method << " " << pattern);
    } catch (const invalid_argument& e) {
      BOOST_TEST(has(e.what(), part));
    }
  };
  refused("FETCH", "/x", "unknown method");
  refused("GET", "x", "must start with '/'");
  refused("GET", "/a/{}", "needs a name");
  refused("GET", "/a/{id}/{id}", "appears twice");
  refused("GET", "/a/b{id}", "literal text or a whole {name}");
  refused("GET", "/dicts/{x}", "built-in API");
  refused("POST", "/metrics", "built-in API");
}

BOOST_AUTO_TEST_CASE(healthz_lists_the_members) {
  auto r = c->get("/healthz");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.json["status"] == "ok");
  BOOST_TEST(r.json["node"] == "local");
  BOOST_REQUIRE(r.json["members"].size() == 1u);
  BOOST_TEST(r.json["members"][0]["name"] == "local");
  BOOST_TEST(r.json["members"][0]["up"] == true);
}

BOOST_AUTO_TEST_CASE(metrics_follow_the_text_format_and_move) {
  auto first = c->get("/metrics");
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.content_type == "text/plain; version=0.0.4; charset=utf-8");
  auto before = test::parse_metrics(first.body);
  test::check_metrics_format(before);
  for (auto* name : {"mn_dict_ops_total", "mn_dict_op_errors_total", "mn_dict_op_duration_seconds",
                     "mn_dict_commit_batch_size", "mn_dict_commit_duration_seconds",
                     "mn_dict_keys", "mn_member_up", "mn_http_requests_total"}) {
    BOOST_TEST(before.types.count(name) == 1u, name);
    BOOST_TEST(before.helps.count(name) == 1u, name);
  }
  // Operations through C++ and through HTTP.
  auto d = n->get_dict("m");
  for (int i = 0; i < 20; ++i)
    d.set("k" + std::to_string(i), i);
  for (int i = 0; i < 5; ++i)
    c->get(http_fixture::key_path("m", "k" + std::to_string(i)));
  d.set("s", "text");
  c->post(http_fixture::key_path("m", "s", "incr"), "1"); // an error
  auto after = test::parse_metrics(c->get("/metrics").body);
  test::check_metrics_format(after);
  auto ops = [&](const test::metrics_text& t, const char* op) {
    return t.value_or_zero("mn_dict_ops_total", {{"dict", "m"}, {"op", op}});
  };
  BOOST_TEST(ops(after, "set") - ops(before, "set") == 21);
  BOOST_TEST(ops(after, "get") - ops(before, "get") == 5);
  BOOST_TEST(ops(after, "increment") == 1);
  BOOST_TEST(after.value_or_zero("mn_dict_op_errors_total", {{"dict", "m"}, {"op", "increment"}})
             == 1);
  BOOST_TEST(after.value_or_zero("mn_dict_op_errors_total", {{"dict", "m"}, {"op", "set"}}) == 0);
  BOOST_TEST(after.value_or_zero("mn_dict_op_duration_seconds_count",
                                 {{"dict", "m"}, {"op", "set"}})
             == ops(after, "set"));
  BOOST_TEST(after.value_or_zero("mn_dict_op_duration_seconds_sum", {{"dict", "m"}, {"op", "set"}})
             > 0);
  // Every set was committed: the batches add up to the writes.
  BOOST_TEST(after.value_or_zero("mn_dict_commit_batch_size_sum", {{"dict", "m"}}) == 22);
  BOOST_TEST(after.value_or_zero("mn_dict_commit_duration_seconds_count", {{"dict", "m"}}) >= 1);
  BOOST_TEST(after.value_or_zero("mn_dict_keys", {{"dict", "m"}}) == 21);
  BOOST_TEST(after.value_or_zero("mn_member_up", {{"member", "local"}}) == 1);
  BOOST_TEST(after.value_or_zero("mn_http_requests_total", {{"code", "200"}}) >= 6);
  BOOST_TEST(after.value_or_zero("mn_http_requests_total", {{"code", "409"}}) == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_lose_no_increment) {
  // Boost.Test's assertions are not thread-safe: the threads count, the test checks.
  std::vector<std::future<int>> clients;
  for (int t = 0; t < 4; ++t)
    clients.push_back(std::async(std::launch::async, [this] {
      http_client mine{n->http_port()};
      int ok = 0;
      for (int i = 0; i < 50; ++i)
        ok += mine.post("/dicts/c/hits/incr?initial=0", "").status == 200 ? 1 : 0;
      return ok;
    }));
  for (auto& f : clients) {
    BOOST_REQUIRE(f.wait_for(60s) == std::future_status::ready);
    BOOST_TEST(f.get() == 50);
  }
  BOOST_TEST(n->get_dict("c").at("hits") == 200);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_lifecycle)

BOOST_AUTO_TEST_CASE(a_port_in_use_is_refused_with_what_to_do) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  BOOST_REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto port = std::to_string(ntohs(addr.sin_port));
  test::temp_dir dir{"http-port"};
  node_options o;
  o.data_dir = dir / "data";
  o.http = "127.0.0.1:" + port;
  try {
    mn::node n{o};
    BOOST_ERROR("a node started on a port in use");
  } catch (const invalid_argument& e) {
    BOOST_TEST(e.code() == errc::bad_config);
    BOOST_TEST(has(e.what(), "cannot serve HTTP on 127.0.0.1:" + port));
    BOOST_TEST(has(e.what(), "choose another --http port"));
  }
  // A second node on the port of a running one: refused too (no SO_REUSEPORT
  // sharing of the port), and the first keeps serving.
  o.http = "127.0.0.1:0";
  mn::node first{o};
  test::temp_dir dir2{"http-port2"};
  node_options o2;
  o2.data_dir = dir2 / "data";
  o2.http = "127.0.0.1:" + std::to_string(first.http_port());
  BOOST_CHECK_THROW(mn::node{o2}, invalid_argument);
  BOOST_TEST(http_client{first.http_port()}.get("/healthz").status == 200);
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(bad_http_addresses_are_refused) {
  test::temp_dir dir{"http-bad"};
  for (std::string bad : {"nope", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:http"}) {
    node_options o;
    o.data_dir = dir / "data";
    o.http = bad;
    try {
      mn::node n{o};
      BOOST_ERROR("accepted --http " << bad);
    } catch (const invalid_argument& e) {
      BOOST_TEST(e.code() == errc::bad_config);
      BOOST_TEST(has(e.what(), "--http"));
    }
  }
}

BOOST_AUTO_TEST_CASE(routes_are_kept_without_http_and_the_node_serves_nothing) {
  test::temp_dir dir{"http-off"};
  node_options o;
  o.data_dir = dir / "data";
  mn::node n{o};
  BOOST_TEST(n.http_port() == 0);
  n.http_route("GET", "/x", [](const http_request&) { return http_response::text("x"); });
}

BOOST_AUTO_TEST_CASE(stopping_with_requests_in_flight_is_clean_and_bounded) {
  test::temp_dir dir{"http-stop"};
  node_options o;
  o.data_dir = dir / "data";
  o.http = "127.0.0.1:0";
  auto n = std::make_unique<mn::node>(o);
  auto port = n->http_port();
  std::atomic<bool> entered{false};
  mn::node* raw = n.get(); // n is null while the node is destroyed
  n->http_route("GET", "/slow", [&entered, raw](const http_request&) {
    entered = true;
    std::this_thread::sleep_for(500ms);
    raw->get_dict("stop").set("slow", true); // the node is stopping but still up
    return http_response::json("done");
  });
  http_client idle{port}; // a keep-alive connection left open
  idle.raw().set_keep_alive(true);
  BOOST_TEST(idle.get("/healthz").status == 200);
  auto slow = std::async(std::launch::async, [port] { return http_client{port}.get("/slow"); });
  for (int i = 0; i < 500 && !entered; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(entered);
  auto start = std::chrono::steady_clock::now();
  n.reset();
  auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST((took < 10s));
  BOOST_REQUIRE(slow.wait_for(20s) == std::future_status::ready);
  auto r = slow.get();
  BOOST_TEST(r.status == 200, r.body); // the request in flight was answered
  BOOST_TEST(http_client{port}.get("/healthz").status == 0); // nobody listens now
  // The write of the request in flight is there after a restart.
  mn::node again{[&] {
    node_options x = o;
    x.http.clear();
    return x;
  }()};
  BOOST_TEST(again.get_dict("stop").at("slow") == true);
}

BOOST_AUTO_TEST_SUITE_END()
