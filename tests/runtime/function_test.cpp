// Functions on an embedded node: results, order, errors, timeouts, retries,
// concurrency limits, all through the same calls a cluster uses.
#include "runtime/fixture.hpp"
#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace mn;
using namespace std::chrono_literals;
using mn::test::has;

BOOST_FIXTURE_TEST_SUITE(functions, test::node_fixture)

BOOST_AUTO_TEST_CASE(call_map_starmap_and_async) {
  n->register_function("square", [](const value& x) { return x.get<int64_t>() * x.get<int64_t>(); });
  n->register_function("add", [](const value& xs) { return xs[0].get<int64_t>() + xs[1].get<int64_t>(); });
  auto square = n->function("square");
  BOOST_TEST(square.call(7) == 49);
  std::vector<value> inputs;
  for (int i = 0; i < 2000; ++i)
    inputs.emplace_back(i);
  auto out = square.map(inputs);
  BOOST_REQUIRE(out.size() == 2000u);
  for (int i = 0; i < 2000; ++i)
    BOOST_TEST(out[i] == int64_t{i} * i);
  BOOST_TEST(square.map({}).empty());
  auto sums = n->function("add").starmap({{1, 2}, {10, 20}});
  BOOST_TEST(sums == (std::vector<value>{3, 30}));
  auto f = square.call_async(9);
  BOOST_TEST(f.get() == 81);
}

BOOST_AUTO_TEST_CASE(functions_use_dicts) {
  n->register_function("visit", [this](const value& who) {
    auto d = n->get_dict("visits");
    return d.increment(who.get<std::string>(), 1, 0);
  });
  auto visit = n->function("visit");
  visit.map({"a", "b", "a", "a"});
  BOOST_TEST(n->get_dict("visits").at("a") == 3);
}

BOOST_AUTO_TEST_CASE(an_exception_reaches_the_caller_with_its_message_and_node) {
  n->register_function("boom", [](const value& x) -> value {
    throw std::runtime_error("no good: " + x.dump());
  });
  try {
    n->function("boom").call("x");
    BOOST_FAIL("no error");
  } catch (const function_error& e) {
    BOOST_TEST(e.code() == errc::function_failed);
    BOOST_TEST(has(e.what(), "function 'boom' failed on node 'local': no good: \"x\""));
  }
  BOOST_CHECK_THROW(n->function("boom").map({1, 2, 3}), function_error);
}

BOOST_AUTO_TEST_CASE(unknown_functions_and_timeouts_have_their_own_errors) {
  try {
    n->function("nobody").call(1);
    BOOST_FAIL("no error");
  } catch (const unknown_function& e) {
    BOOST_TEST(has(e.what(), "no reachable node has registered function 'nobody'"));
  }
  function_options slow;
  slow.timeout = 200ms;
  n->register_function("sleepy", [](const value& ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<int>()));
    return ms;
  }, slow);
  auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(n->function("sleepy").call(1000), mn::timeout);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 900ms));
  BOOST_CHECK_THROW(n->function("sleepy").map({1000, 1}), mn::timeout);
  BOOST_TEST(n->function("sleepy").call(1) == 1);
}

BOOST_AUTO_TEST_CASE(retries_are_counted_and_bounded) {
  auto attempts = std::make_shared<std::atomic<int>>(0);
  function_options twice;
  twice.max_retries = 2;
  n->register_function("flaky", test::flaky_body(attempts), twice);
  BOOST_TEST(n->function("flaky").call(5) == 5);
  BOOST_TEST(attempts->load() == 3); // failed, failed, succeeded
  function_options once;
  once.max_retries = 1;
  attempts->store(0);
  n->register_function("flaky", test::flaky_body(attempts), once);
  BOOST_CHECK_THROW(n->function("flaky").call(5), function_error);
  BOOST_TEST(attempts->load() == 2);
}

BOOST_AUTO_TEST_CASE(max_concurrency_is_respected) {
  auto running = std::make_shared<std::atomic<int>>(0);
  auto peak = std::make_shared<std::atomic<int>>(0);
  function_options two;
  two.max_concurrency = 2;
  n->register_function("limited", [running, peak](const value& x) {
    int now = ++*running;
    int seen = peak->load();
    while (now > seen && !peak->compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(20ms);
    --*running;
    return x;
  }, two);
  std::vector<value> inputs(12, 1);
  BOOST_TEST(n->function("limited").map(inputs).size() == 12u);
  BOOST_TEST(peak->load() == 2); // 4 function threads, but at most 2 at once
}

// Every function thread runs a body that calls another function of the same
// node: the inner calls run on their callers' threads instead of waiting for
// a free one (which would wait out the timeout).
BOOST_AUTO_TEST_CASE(bodies_calling_bodies_never_exhaust_the_function_threads) {
  n->register_function("inner", [](const value& x) { return x.get<int64_t>() + 1; });
  function_options o;
  o.timeout = 5s;
  n->register_function("outer", [this](const value& x) {
    std::this_thread::sleep_for(20ms); // all four threads are busy at once
    return n->function("inner").call(x);
  }, o);
  std::vector<value> inputs;
  for (int i = 0; i < 16; ++i)
    inputs.emplace_back(i);
  auto start = std::chrono::steady_clock::now();
  auto out = n->function("outer").map(inputs);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 3s));
  for (int i = 0; i < 16; ++i)
    BOOST_TEST(out[i] == i + 1);
}

BOOST_AUTO_TEST_SUITE_END()
