// Atomic operations under real concurrency: actors on CAF's scheduler and
// plain threads hammer one key of one dict.
#include "runtime/fixture.hpp"
#include "support/time_scale.hpp"

#include <mn/async_dict.hpp>

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace mn;
using namespace std::chrono_literals;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

// Increments `key` `total` times, keeping `window` requests in flight, then
// tells `parent` how many were acknowledged and how many failed.
caf::behavior incrementer(caf::event_based_actor* self, dict d, std::string key, int total,
                          int window, caf::actor parent) {
  struct progress {
    int sent = 0;
    int acked = 0;
    int failed = 0;
  };
  auto st = std::make_shared<progress>();
  auto ad = std::make_shared<async_dict>(self, d);
  auto finish_one = std::make_shared<std::function<void()>>();
  // The function refers to itself through a weak pointer: a strong one would
  // be a cycle that outlives the actor (LeakSanitizer found it).
  std::weak_ptr<std::function<void()>> again = finish_one;
  *finish_one = [=] {
    if (st->acked + st->failed == total) {
      self->send(parent, done_atom::value, st->acked, st->failed);
      self->quit();
      return;
    }
    auto next = again.lock();
    if (next && st->sent < total) {
      ++st->sent;
      ad->increment(
        key, 1, [=](const value&) { ++st->acked; (*next)(); },
        [=](const failure&) { ++st->failed; (*next)(); });
    }
  };
  return {[=](go_atom) {
    for (int i = 0; i < window && st->sent < total; ++i) {
      ++st->sent;
      ad->increment(
        key, 1, [=](const value&) { ++st->acked; (*finish_one)(); },
        [=](const failure&) { ++st->failed; (*finish_one)(); });
    }
  }};
}

// On go: one update(key, new, expected) or set_if_absent(key, new); reports
// whether it applied.
caf::behavior racer(caf::event_based_actor* self, dict d, std::string key, bool cas,
                    value expected, value desired, caf::actor parent) {
  auto ad = std::make_shared<async_dict>(self, d);
  auto report = [=](bool applied) {
    self->send(parent, done_atom::value, applied ? 1 : 0, 0);
    self->quit();
  };
  auto fail = [=](const failure&) {
    self->send(parent, done_atom::value, 0, 1);
    self->quit();
  };
  return {[=](go_atom) {
    if (cas)
      ad->update(key, desired, expected, report, fail);
    else
      ad->set_if_absent(key, desired, report, fail);
  }};
}

// Spawns the actors made by `make(i, parent)`, starts them together, and sums
// their (count, failures) reports.
template <class Make>
std::pair<int, int> run_all(caf::actor_system& sys, int actors, Make make) {
  caf::scoped_actor self{sys};
  std::vector<caf::actor> all;
  for (int i = 0; i < actors; ++i)
    all.push_back(make(i, caf::actor{self}));
  for (auto& a : all)
    self->send(a, go_atom::value);
  int count = 0;
  int failed = 0;
  int reports = 0;
  self->receive_for(reports, actors)(
    [&](done_atom, int c, int f) {
      count += c;
      failed += f;
    },
    caf::after(test::scaled(120s)) >> [&] { BOOST_FAIL("actors did not report in time"); });
  return {count, failed};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(concurrency, test::node_fixture)

BOOST_AUTO_TEST_CASE(eight_actors_times_ten_thousand_increments) {
  auto d = n->get_dict("counters");
  d["hot"] = 0;
  auto [acked, failed] = run_all(n->system(), 8, [&](int, caf::actor parent) {
    return n->system().spawn(incrementer, d, std::string{"hot"}, 10000, 16, parent);
  });
  BOOST_TEST(failed == 0);
  BOOST_TEST(acked == 80000);
  BOOST_TEST(d.at("hot") == 80000);
}

BOOST_AUTO_TEST_CASE(threads_with_the_blocking_api_lose_no_increment) {
  auto d = n->get_dict("counters");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([d]() mutable {
      for (int i = 0; i < 250; ++i)
        d.increment("blocking", 1, 0);
    });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(d.at("blocking") == 2000);
}

BOOST_AUTO_TEST_CASE(racing_compare_and_set_has_exactly_one_winner) {
  auto d = n->get_dict("races");
  for (int round = 0; round < 20; ++round) {
    d["v"] = round;
    auto [wins, failed] = run_all(n->system(), 8, [&](int i, caf::actor parent) {
      // Every desired value differs from the expected one, so one win is final.
      return n->system().spawn(racer, d, std::string{"v"}, true, value(round),
                               value(1000 + round * 100 + i), parent);
    });
    BOOST_TEST(failed == 0);
    BOOST_TEST(wins == 1, "round " << round << ": " << wins << " winners");
    auto now = d.at("v").get<int>();
    BOOST_TEST((now >= 1000 + round * 100 && now < 1000 + round * 100 + 8));
  }
}

BOOST_AUTO_TEST_CASE(racing_set_if_absent_has_exactly_one_winner) {
  auto d = n->get_dict("races");
  for (int round = 0; round < 20; ++round) {
    auto key = "claim" + std::to_string(round);
    auto [wins, failed] = run_all(n->system(), 8, [&](int i, caf::actor parent) {
      return n->system().spawn(racer, d, key, false, value(nullptr), value(i), parent);
    });
    BOOST_TEST(failed == 0);
    BOOST_TEST(wins == 1, "round " << round << ": " << wins << " winners");
  }
}

BOOST_AUTO_TEST_SUITE_END()
