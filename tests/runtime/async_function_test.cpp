// Actor functions and the non-blocking ways to call a function: futures that
// hold no thread, and callbacks on an event-based actor.
#include "runtime/fixture.hpp"
#include "support/text.hpp"

#include <mn/actor_function.hpp>

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caf::response_promise)

using namespace mn;
using namespace std::chrono_literals;
using mn::test::has;

namespace {

caf::behavior cube(caf::event_based_actor*) {
  return {[](call_atom, const value& x) -> value {
    auto n = x.get<int64_t>();
    return n * n * n;
  }};
}

// Answers later through a promise, and refuses negative numbers.
caf::behavior picky(caf::event_based_actor* self) {
  return {[=](call_atom, const value& x) -> caf::result<value> {
    if (x.get<int64_t>() < 0)
      return caf::make_error(caf::sec::invalid_argument, "negative input");
    auto rp = self->make_response_promise();
    self->delayed_send(self, 5ms, caf::tick_atom::value, x.get<int64_t>(), rp);
    return rp;
  },
          [](caf::tick_atom, int64_t x, caf::response_promise& rp) { rp.deliver(value(x + 1)); }};
}

// Never answers (keeps every promise, undelivered).
caf::behavior mute(caf::event_based_actor* self) {
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  return {[=](call_atom, const value&) {
    kept->push_back(self->make_response_promise());
    return kept->back();
  }};
}

// Answers with nothing: a mistake the caller must hear about.
caf::behavior careless(caf::event_based_actor*) {
  return {[](call_atom, const value&) {}};
}

using done_atom = caf::atom_constant<caf::atom("done")>;

// Calls `f` on 0..n-1 with call_async(self, ...), all in flight at once, and
// reports the sum of the results and the first error to `report`.
caf::behavior summer(caf::event_based_actor* self, function_handle f, int n, caf::actor report) {
  auto sum = std::make_shared<int64_t>(0);
  auto left = std::make_shared<int>(n);
  auto first_error = std::make_shared<std::string>();
  auto one_done = [=] {
    if (--*left == 0) {
      self->send(report, done_atom::value, *sum, *first_error);
      self->quit();
    }
  };
  for (int i = 0; i < n; ++i)
    f.call_async(
      self, i,
      [=](value v) {
        *sum += v.get<int64_t>();
        one_done();
      },
      [=](const failure& e) {
        if (first_error->empty())
          *first_error = std::string{to_string(e.code)} + ": " + e.message;
        one_done();
      });
  return {[](caf::get_atom) {}};
}

// Runs summer and waits for its report (bounded).
std::pair<int64_t, std::string> run_summer(node& n, function_handle f, int calls) {
  caf::scoped_actor self{n.system()};
  n.system().spawn(summer, f, calls, caf::actor{self});
  std::pair<int64_t, std::string> out{-1, "no report within 30 s"};
  self->receive([&](done_atom, int64_t sum, std::string& err) { out = {sum, err}; },
                caf::after(30s) >> [] {});
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(async_functions, test::node_fixture)

BOOST_AUTO_TEST_CASE(an_actor_can_be_a_function) {
  n->register_actor_function("cube", n->system().spawn(cube));
  auto f = n->function("cube");
  BOOST_TEST(f.call(3) == 27);
  std::vector<value> inputs;
  for (int i = 0; i < 500; ++i)
    inputs.emplace_back(i);
  auto out = f.map(inputs);
  BOOST_REQUIRE(out.size() == 500u);
  for (int i = 0; i < 500; ++i)
    BOOST_TEST(out[i] == int64_t{i} * i * i);
  BOOST_TEST(f.call_async(4).get() == 64);
}

BOOST_AUTO_TEST_CASE(an_actor_function_may_answer_later_or_refuse) {
  n->register_actor_function("picky", n->system().spawn(picky));
  BOOST_TEST(n->function("picky").call(41) == 42);
  try {
    n->function("picky").call(-1);
    BOOST_FAIL("no error");
  } catch (const function_error& e) {
    BOOST_TEST(has(e.what(), "function 'picky' failed on node 'local'"), e.what());
    BOOST_TEST(has(e.what(), "negative input"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_silent_actor_function_times_out) {
  function_options quick;
  quick.timeout = 200ms;
  n->register_actor_function("mute", n->system().spawn(mute), quick);
  auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(n->function("mute").call(1), mn::timeout);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
}

BOOST_AUTO_TEST_CASE(an_actor_answering_no_value_is_an_error_that_says_so) {
  n->register_actor_function("careless", n->system().spawn(careless));
  try {
    n->function("careless").call(1);
    BOOST_FAIL("no error");
  } catch (const function_error& e) {
    BOOST_TEST(has(e.what(), "the actor answered with something other than one mn::value"),
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(registering_an_invalid_actor_is_refused) {
  try {
    n->register_actor_function("nothing", caf::actor{});
    BOOST_FAIL("no error");
  } catch (const invalid_argument& e) {
    BOOST_TEST(has(e.what(), "register_actor_function needs a name and a running actor"));
  }
  BOOST_CHECK_THROW(n->register_actor_function("", n->system().spawn(cube)), invalid_argument);
  // Nothing was registered: the name is still unknown.
  BOOST_CHECK_THROW(n->function("nothing").call(1), unknown_function);
}

BOOST_AUTO_TEST_CASE(many_futures_in_flight_hold_no_threads) {
  function_options gate_opts;
  auto open = std::make_shared<std::atomic<bool>>(false);
  n->register_function("gated", [open](const value& x) {
    for (int i = 0; i < 500 && !*open; ++i) // bounded: 5 s
      std::this_thread::sleep_for(10ms);
    return x;
  }, gate_opts);
  n->register_function("square", [](const value& x) { return x.get<int64_t>() * x.get<int64_t>(); });
  // 2000 calls in flight: a thread each would show; results arrive in full.
  std::vector<std::future<value>> fs;
  for (int i = 0; i < 2000; ++i)
    fs.push_back(n->function("square").call_async(i));
  int64_t sum = 0;
  for (auto& f : fs)
    sum += f.get().get<int64_t>();
  BOOST_TEST(sum == int64_t{1999} * 2000 * 3999 / 6);
  // Calls that wait (on 4 function threads) keep no caller thread either.
  std::vector<std::future<value>> waiting;
  for (int i = 0; i < 8; ++i)
    waiting.push_back(n->function("gated").call_async(i));
  *open = true;
  for (int i = 0; i < 8; ++i)
    BOOST_TEST(waiting[i].get() == i);
}

BOOST_AUTO_TEST_CASE(futures_carry_each_error_as_its_exception) {
  n->register_function("boom", [](const value&) -> value { throw std::runtime_error("bad"); });
  BOOST_CHECK_THROW(n->function("boom").call_async(1).get(), function_error);
  BOOST_CHECK_THROW(n->function("nobody").call_async(1).get(), unknown_function);
  function_options quick;
  quick.timeout = 100ms;
  n->register_function("slow", [](const value& x) {
    std::this_thread::sleep_for(1s);
    return x;
  }, quick);
  BOOST_CHECK_THROW(n->function("slow").call_async(1).get(), mn::timeout);
}

BOOST_AUTO_TEST_CASE(an_actor_calls_functions_without_blocking) {
  n->register_function("square", [](const value& x) { return x.get<int64_t>() * x.get<int64_t>(); });
  // First calls: nothing is cached yet (the lookup runs on a thread of its
  // own); later calls: the direct path.
  auto r = run_summer(*n, n->function("square"), 300);
  BOOST_TEST(r.second == "");
  BOOST_TEST(r.first == int64_t{299} * 300 * 599 / 6);
  r = run_summer(*n, n->function("square"), 300);
  BOOST_TEST(r.first == int64_t{299} * 300 * 599 / 6);
  // Errors reach the error callback with their code.
  n->register_function("boom", [](const value&) -> value { throw std::runtime_error("bad"); });
  r = run_summer(*n, n->function("boom"), 3);
  BOOST_TEST(has(r.second, "function_failed: function 'boom' failed on node 'local': bad"),
             r.second);
  r = run_summer(*n, n->function("nobody"), 2);
  BOOST_TEST(has(r.second, "unknown_function:"), r.second);
}

BOOST_AUTO_TEST_CASE(retries_apply_to_async_calls) {
  auto attempts = std::make_shared<std::atomic<int>>(0);
  function_options twice;
  twice.max_retries = 2;
  n->register_function("flaky", test::flaky_body(attempts), twice);
  n->function("flaky").call_async(0).get(); // fills the caches
  attempts->store(0);
  auto r = run_summer(*n, n->function("flaky"), 1);
  BOOST_TEST(r.second == "");
  BOOST_TEST(attempts->load() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
