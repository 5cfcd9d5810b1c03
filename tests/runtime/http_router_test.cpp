// The HTTP router, the built-in routes with a stand-in node, and the /metrics
// text of the registry, without a server or a socket.
#include "runtime/http_api.hpp"
#include "runtime/http_router.hpp"
#include "runtime/metrics.hpp"
#include "support/http.hpp"
#include "support/text.hpp"

#include <mn/error.hpp>
#include <mn/node_options.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

using namespace mn;
using mn::runtime::http_router;
using mn::runtime::url_decode;
using mn::test::has;

namespace {

http_response call(const http_router& r, const std::string& method, const std::string& target,
                   const std::string& body = "") {
  return r.dispatch(method, target, body, {{"X-Thing", "yes"}});
}

value json_of(const http_response& r) {
  return value::parse(r.body);
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_router_unit)

BOOST_AUTO_TEST_CASE(url_decoding) {
  std::string out;
  BOOST_TEST(url_decode("a%20b%2Fc%e2%9c%93", false, out));
  BOOST_TEST(out == "a b/c\xe2\x9c\x93");
  BOOST_TEST(url_decode("a+b", false, out));
  BOOST_TEST(out == "a+b");
  BOOST_TEST(url_decode("a+b", true, out));
  BOOST_TEST(out == "a b");
  BOOST_TEST(url_decode("%00", false, out));
  BOOST_TEST(out == std::string(1, '\0'));
  BOOST_TEST(!url_decode("%", false, out));
  BOOST_TEST(!url_decode("%4", false, out));
  BOOST_TEST(!url_decode("%g0", false, out));
}

BOOST_AUTO_TEST_CASE(routes_match_whole_segments_and_literals_win) {
  http_router r;
  r.add("GET", "/a/{x}/c", [](const http_request& q) {
    return http_response::json({{"x", q.param("x")}, {"route", "param"}});
  });
  r.add("GET", "/a/b/c", [](const http_request&) { return http_response::json("literal"); });
  r.add("get", "/a/{x}", [](const http_request& q) {
    return http_response::json({{"q", q.query}, {"h", q.header("x-thing").value_or("")}});
  });
  r.add("PUT", "/a/{x}", [](const http_request& q) { return http_response::json(q.body); });
  BOOST_TEST(json_of(call(r, "GET", "/a/b/c")) == "literal");
  BOOST_TEST(json_of(call(r, "GET", "/a/b%2Fc/c"))["x"] == "b/c");
  BOOST_TEST(json_of(call(r, "HEAD", "/a/z/c"))["x"] == "z");
  auto q = json_of(call(r, "GET", "/a/1?k=a+b%21&k=second&flag&e="));
  BOOST_TEST(q["q"] == (value{{"k", "a b!"}, {"flag", ""}, {"e", ""}}));
  BOOST_TEST(q["h"] == "yes");
  BOOST_TEST(json_of(call(r, "PUT", "/a/1", "body")) == "body");
  BOOST_TEST(call(r, "GET", "/a/").status == 200); // an empty segment is a value too
  auto res = call(r, "DELETE", "/a/1");
  BOOST_TEST(res.status == 405);
  BOOST_TEST(res.headers.at(0).second == "GET, PUT");
  BOOST_TEST(call(r, "GET", "/a/b/c/d").status == 404);
  BOOST_TEST(json_of(call(r, "GET", "/zz"))["error"] == "not_found");
  BOOST_TEST(call(r, "GET", "/a/%zz").status == 400);
  BOOST_TEST(call(r, "GET", "/a/1?x=%zz").status == 400);
  BOOST_TEST(call(r, "GET", "nope").status == 400);
  // Same shape, same method: replaced.
  r.add("GET", "/a/{other}/c", [](const http_request&) { return http_response::json("new"); });
  BOOST_TEST(json_of(call(r, "GET", "/a/q/c")) == "new");
}

BOOST_AUTO_TEST_CASE(handler_exceptions_become_json_errors) {
  http_router r;
  r.add("GET", "/t/{what}", [](const http_request& q) -> http_response {
    if (q.param("what") == "key")
      throw key_error(errc::key_missing, "no such key");
    if (q.param("what") == "type")
      throw type_error(errc::type_mismatch, "not a number");
    if (q.param("what") == "json")
      return http_response::json(q.json());
    throw std::logic_error("boom");
  });
  auto res = call(r, "GET", "/t/key");
  BOOST_TEST(res.status == 404);
  BOOST_TEST(json_of(res) == (value{{"error", "key_missing"}, {"message", "no such key"}}));
  BOOST_TEST(call(r, "GET", "/t/type").status == 409);
  res = r.dispatch("GET", "/t/json", "{oops", {});
  BOOST_TEST(res.status == 400);
  BOOST_TEST(json_of(res)["error"] == "invalid_argument");
  res = call(r, "GET", "/t/other");
  BOOST_TEST(res.status == 500);
  BOOST_TEST(json_of(res) == (value{{"error", "internal"}, {"message", "boom"}}));
}

// Found with fuzz/runtime/http_api_fuzz.cpp's body parser check: a body of
// 100,000 nested lists parsed fine, then overflowed the stack when printed or
// stored (both recurse); http_request::json() now refuses it with 400.
BOOST_AUTO_TEST_CASE(request_bodies_nested_too_deep_are_400) {
  http_router r;
  r.add("PUT", "/echo", [](const http_request& q) { return http_response::json(q.json()); });
  auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  auto res = r.dispatch("PUT", "/echo", nested(512), {});
  BOOST_TEST(res.status == 200);
  BOOST_TEST(res.body == nested(512));
  for (std::size_t depth : {513, 200000}) {
    res = r.dispatch("PUT", "/echo", nested(depth), {});
    BOOST_TEST(res.status == 400);
    BOOST_TEST(json_of(res)["error"] == "invalid_argument");
    BOOST_TEST(has(json_of(res)["message"].get<std::string>(), "deeper than 512 levels"));
  }
  res = r.dispatch("PUT", "/echo", "{\"a\": " + nested(600) + "}", {});
  BOOST_TEST(res.status == 400);
}

BOOST_AUTO_TEST_CASE(healthz_answers_503_while_stopping) {
  http_router r;
  runtime::http_api_hooks h;
  bool stopping = false;
  h.node_name = "a";
  h.get_dict = [](const std::string&) -> dict { throw unavailable(errc::unavailable, "none"); };
  h.members = [] {
    member_status up;
    up.member = peer{"a", "127.0.0.1", 1};
    up.up = true;
    member_status down;
    down.member = peer{"b", "127.0.0.1", 2};
    down.error = "node 'b' (127.0.0.1:2): connection refused";
    return std::vector<member_status>{up, down};
  };
  h.stopping = [&] { return stopping; };
  h.metrics_text = [] { return std::string{"# HELP x y\n"}; };
  runtime::add_builtin_routes(r, h);
  auto res = call(r, "GET", "/healthz");
  BOOST_TEST(res.status == 200);
  auto j = json_of(res);
  BOOST_TEST(j["members"][1] == (value{{"name", "b"}, {"address", "127.0.0.1:2"}, {"up", false},
                                       {"error", "node 'b' (127.0.0.1:2): connection refused"}}));
  stopping = true;
  res = call(r, "GET", "/healthz");
  BOOST_TEST(res.status == 503);
  BOOST_TEST(json_of(res) == (value{{"status", "stopping"}, {"node", "a"}}));
  // A dict call on a node that cannot serve it: 503 with the error's body.
  res = call(r, "GET", "/dicts/d/k");
  BOOST_TEST(res.status == 503);
  BOOST_TEST(json_of(res)["error"] == "unavailable");
  res = call(r, "GET", "/metrics");
  BOOST_TEST(res.content_type == "text/plain; version=0.0.4; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(metrics_text_format) {
  runtime::metrics m;
  auto d = m.dict("orders");
  d->record(storage::op_kind::get, 3'000, false); // nanoseconds
  d->record(storage::op_kind::get, 3'000'000, false);
  d->record(storage::op_kind::get, 30'000'000'000, true); // past the last bound
  d->record(storage::op_kind::set_if_absent, 70'000, false);
  d->batch_size.observe(1);
  d->batch_size.observe(64);
  d->batch_size.observe(5000);
  d->commit_time.observe(2'000'000);
  BOOST_TEST(m.dict("orders") == d); // one object per name
  m.dict("idle");
  m.count_http(200);
  m.count_http(200);
  m.count_http(404);
  runtime::metrics::gauges g;
  g.dict_keys = {{"orders", 12}};
  g.members_up = {{"a", true}, {"b\"q", false}};
  auto text = m.render(g);
  auto t = test::parse_metrics(text);
  test::check_metrics_format(t);
  BOOST_TEST(t.value_or_zero("mn_dict_ops_total", {{"dict", "orders"}, {"op", "get"}}) == 3);
  BOOST_TEST(t.value_or_zero("mn_dict_op_errors_total", {{"dict", "orders"}, {"op", "get"}}) == 1);
  BOOST_TEST(t.value_or_zero("mn_dict_op_duration_seconds_bucket",
                             {{"dict", "orders"}, {"op", "get"}, {"le", "1e-05"}})
             == 1);
  BOOST_TEST(t.value_or_zero("mn_dict_op_duration_seconds_bucket",
                             {{"dict", "orders"}, {"op", "get"}, {"le", "10"}})
             == 2);
  BOOST_TEST(t.value_or_zero("mn_dict_op_duration_seconds_bucket",
                             {{"dict", "orders"}, {"op", "get"}, {"le", "+Inf"}})
             == 3);
  BOOST_TEST(std::abs(t.value_or_zero("mn_dict_op_duration_seconds_sum",
                                      {{"dict", "orders"}, {"op", "get"}})
                      - 30.003003)
             < 1e-6);
  BOOST_TEST(t.value_or_zero("mn_dict_ops_total", {{"dict", "orders"}, {"op", "set_if_absent"}})
             == 1);
  BOOST_TEST(!t.value("mn_dict_ops_total", {{"op", "set"}})); // no data, no series
  BOOST_TEST(!t.value("mn_dict_ops_total", {{"dict", "idle"}}));
  BOOST_TEST(t.value_or_zero("mn_dict_commit_batch_size_bucket", {{"dict", "orders"}, {"le", "64"}})
             == 2);
  BOOST_TEST(t.value_or_zero("mn_dict_commit_batch_size_count", {{"dict", "orders"}}) == 3);
  BOOST_TEST(t.value_or_zero("mn_dict_commit_duration_seconds_bucket",
                             {{"dict", "orders"}, {"le", "0.0025"}})
             == 1);
  BOOST_TEST(t.value_or_zero("mn_dict_keys", {{"dict", "orders"}}) == 12);
  BOOST_TEST(t.value_or_zero("mn_member_up", {{"member", "a"}}) == 1);
  BOOST_TEST(has(text, "mn_member_up{member=\"b\\\"q\"} 0\n")); // escaped label value
  BOOST_TEST(t.value_or_zero("mn_http_requests_total", {{"code", "200"}}) == 2);
  BOOST_TEST(t.value_or_zero("mn_http_requests_total", {{"code", "404"}}) == 1);
  BOOST_TEST(t.types.at("mn_dict_op_duration_seconds") == "histogram");
  BOOST_TEST(t.types.at("mn_dict_ops_total") == "counter");
  BOOST_TEST(t.types.at("mn_dict_keys") == "gauge");
}

BOOST_AUTO_TEST_CASE(http_option_on_the_command_line) {
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "mnode");
    std::vector<const char*> argv;
    for (auto& a : args)
      argv.push_back(a.c_str());
    return node_options::from_command_line(static_cast<int>(argv.size()), argv.data());
  };
  BOOST_TEST(node_options{}.http.empty()); // off by default
  BOOST_TEST(parse({"--http", "127.0.0.1:8080"}).http == "127.0.0.1:8080");
  BOOST_TEST(parse({"--http", "0.0.0.0:0"}).http == "0.0.0.0:0"); // any free port
  auto refusal = [&](std::vector<std::string> args) -> std::string {
    try {
      parse(std::move(args));
    } catch (const invalid_argument& e) {
      BOOST_TEST(e.code() == errc::bad_config);
      return e.what();
    }
    return "(accepted)";
  };
  BOOST_TEST(has(refusal({"--http", "8080"}), "malformed --http '8080': expected HOST:PORT"));
  BOOST_TEST(has(refusal({"--http", "h:65536"}), "from 0 (any free port) to 65535"));
  BOOST_TEST(has(refusal({"--listen", "127.0.0.1:4242", "--http", "127.0.0.1:4242"}),
                 "--http 127.0.0.1:4242 uses the port of --listen"));
  BOOST_TEST(has(refusal({"--http"}), "--http"));
}

BOOST_AUTO_TEST_CASE(op_clock_measures_nanoseconds) {
  auto t0 = actors::op_clock::now();
  auto s0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto t1 = actors::op_clock::now();
  auto s1 = std::chrono::steady_clock::now();
  double measured = static_cast<double>(actors::op_clock::nanoseconds(t0, t1));
  double truth = static_cast<double>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(s1 - s0).count());
  BOOST_TEST(measured > truth * 0.95);
  BOOST_TEST(measured < truth * 1.05);
  BOOST_TEST(actors::op_clock::nanoseconds(t1, t0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
