// The history checkers on hand-made histories: ones they must accept
// (overlapping operations, unknown outcomes taking effect late or never) and
// ones they must reject (a stale read, two set_if_absent winners, a counter
// off by one, a cas that succeeded against a value never written, ...), plus
// the record format and the self-checking values.
#define BOOST_TEST_MODULE history
#include "support/history.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <map>

using namespace mn::test;
using namespace mn::test::history;

namespace {

std::string j(const std::string& s) {
  return "\"" + s + "\"";
}

// An operation on dict "d": times in ms for readability.
op mk(int client, op_kind k, const std::string& key, int64_t inv_ms, int64_t comp_ms,
      outcome o = outcome::ok, std::optional<std::string> result = std::nullopt,
      std::optional<std::string> arg = std::nullopt,
      std::optional<std::string> expected = std::nullopt) {
  op x;
  x.client = client;
  x.node = "a";
  x.kind = k;
  x.dict = "d";
  x.key = key;
  x.arg = std::move(arg);
  x.expected = std::move(expected);
  x.invoke_ns = inv_ms * 1'000'000;
  x.complete_ns = comp_ms * 1'000'000;
  x.out = o;
  x.result = std::move(result);
  if (o != outcome::ok)
    x.error = o == outcome::fail ? "type_mismatch" : "unavailable";
  return x;
}

op w(int c, const std::string& key, const std::string& v, int64_t a, int64_t b,
     outcome o = outcome::ok) {
  return mk(c, op_kind::set, key, a, b, o, std::nullopt, j(v));
}
op r(int c, const std::string& key, std::optional<std::string> v, int64_t a, int64_t b) {
  return mk(c, op_kind::get, key, a, b, outcome::ok, v ? std::optional<std::string>{j(*v)} : v);
}
op cas(int c, const std::string& key, const std::string& nv, const std::string& ev, bool applied,
       int64_t a, int64_t b, outcome o = outcome::ok) {
  return mk(c, op_kind::cas, key, a, b, o,
            o == outcome::ok ? std::optional<std::string>{applied ? "true" : "false"} : std::nullopt,
            j(nv), j(ev));
}
op nx(int c, const std::string& key, const std::string& v, std::optional<bool> won, int64_t a,
      int64_t b) {
  auto o = won ? outcome::ok : outcome::unknown;
  return mk(c, op_kind::setnx, key, a, b, o,
            won ? std::optional<std::string>{*won ? "true" : "false"} : std::nullopt, j(v));
}
op inc(int c, const std::string& key, int64_t delta, std::optional<int64_t> result, int64_t a,
       int64_t b) {
  auto o = result ? outcome::ok : outcome::unknown;
  return mk(c, op_kind::incr, key, a, b, o,
            result ? std::optional<std::string>{std::to_string(*result)} : std::nullopt,
            std::to_string(delta));
}
op rn(int c, const std::string& key, std::optional<int64_t> v, int64_t a, int64_t b) {
  return mk(c, op_kind::get, key, a, b, outcome::ok,
            v ? std::optional<std::string>{std::to_string(*v)} : std::nullopt);
}

#define ACCEPTS(checker, h)                                                                        \
  do {                                                                                             \
    auto v_ = checker(h);                                                                          \
    BOOST_TEST(v_.ok(), describe(v_));                                                             \
  } while (false)
#define REJECTS(checker, h)                                                                        \
  do {                                                                                             \
    auto v_ = checker(h);                                                                          \
    BOOST_TEST_MESSAGE("rejected as expected: " << describe(v_));                                  \
    BOOST_TEST((v_.status == verdict::kind::violation), describe(v_));                            \
    BOOST_TEST(!v_.explanation.empty());                                                           \
  } while (false)

verdict lin(const std::vector<op>& h) {
  return check_linearizable(h);
}

} // namespace

BOOST_AUTO_TEST_SUITE(records)

BOOST_AUTO_TEST_CASE(lines_round_trip_with_odd_text_and_absent_fields) {
  op x = mk(7, op_kind::cas, "k y%z", 1, 2, outcome::ok, "true", j("new\nline"), j(""));
  x.dict = "my dict";
  auto back = from_line(to_line(x));
  BOOST_TEST(to_line(back) == to_line(x));
  BOOST_TEST(back.key == "k y%z");
  BOOST_TEST(back.dict == "my dict");
  BOOST_TEST(*back.arg == j("new\nline"));
  BOOST_TEST(*back.expected == j(""));
  BOOST_TEST(back.invoke_ns == 1'000'000);
  BOOST_TEST(to_line(x).find('\n') == std::string::npos);
  op y = mk(2, op_kind::get, "k", 5, 6, outcome::unknown);
  auto yb = from_line(to_line(y));
  BOOST_TEST(!yb.result);
  BOOST_TEST(!yb.arg);
  BOOST_TEST((yb.out == outcome::unknown));
  BOOST_TEST(yb.error == "unavailable");
}

BOOST_AUTO_TEST_CASE(bad_lines_say_what_is_wrong) {
  try {
    from_line("1 =a get =d =k ~ ~ 10 nope ok ~ ~");
    BOOST_FAIL("accepted a bad time");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string{e.what()}.find("complete_ns") != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(from_line("1 =a jump =d =k ~ ~ 10 11 ok ~ ~"), std::invalid_argument);
  BOOST_CHECK_THROW(from_line("1 =a get =d"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(files_keep_whole_lines_and_skip_a_torn_last_one) {
  temp_dir tmp{"history"};
  auto path = tmp / "h.txt";
  {
    writer out{path};
    out.write(w(1, "k", "a", 1, 2));
    out.write(r(1, "k", std::string{"a"}, 3, 4));
  }
  {
    std::ofstream torn{path, std::ios::app};
    torn << "1 =a set =d =k =\"b"; // the writer died mid-line
  }
  auto h = read_file(path);
  BOOST_TEST(h.size() == 2u);
  {
    std::ofstream bad{path, std::ios::app};
    bad << "\nthis is not a record\n";
  }
  try {
    read_file(path);
    BOOST_FAIL("accepted a bad line");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string{e.what()}.find("h.txt:3") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(errors_that_guarantee_nothing_was_written) {
  BOOST_TEST((classify(mn::errc::type_mismatch) == outcome::fail));
  BOOST_TEST((classify(mn::errc::key_too_long) == outcome::fail));
  BOOST_TEST((classify(mn::errc::unavailable) == outcome::unknown));
  BOOST_TEST((classify(mn::errc::timeout) == outcome::unknown));
  BOOST_TEST((classify(mn::errc::storage_failure) == outcome::unknown));
}

BOOST_AUTO_TEST_CASE(values_check_themselves) {
  std::mt19937_64 rng{42};
  for (int i = 0; i < 100; ++i) {
    auto v = make_value(3, i, rng);
    BOOST_TEST(well_formed(v), v);
    auto torn = v.substr(0, v.size() / 2);
    BOOST_TEST(!well_formed(torn), torn);
    auto flipped = v;
    flipped[v.find(':', 3) + 2] ^= 1;
    BOOST_TEST(!well_formed(flipped), flipped);
  }
  BOOST_TEST(!well_formed(""));
  BOOST_TEST(!well_formed("c1:s2::00000000"));
}

BOOST_AUTO_TEST_CASE(well_formed_checker_rejects_a_half_written_value) {
  std::mt19937_64 rng{1};
  auto v = make_value(1, 1, rng);
  auto is_counter = [](const std::string& k) { return k.rfind("ctr", 0) == 0; };
  std::vector<op> h{w(1, "k", v, 0, 1), r(2, "k", v, 2, 3), rn(2, "ctr1", 5, 2, 3)};
  ACCEPTS([&](auto& x) { return check_well_formed(x, +is_counter); }, h);
  h.push_back(r(2, "k", v.substr(0, 20), 4, 5));
  REJECTS([&](auto& x) { return check_well_formed(x, +is_counter); }, h);
  std::vector<op> c{rn(1, "ctr1", 1, 0, 1), r(1, "ctr1", std::string{"x"}, 2, 3)};
  REJECTS([&](auto& x) { return check_well_formed(x, +is_counter); }, c);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(linearizability)

BOOST_AUTO_TEST_CASE(sequential_and_overlapping_histories_pass) {
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), r(2, "k", std::string{"a"}, 20, 30)}));
  ACCEPTS(lin, (std::vector<op>{r(2, "k", std::nullopt, 0, 5), w(1, "k", "a", 10, 20)}));
  // A read overlapping a write may see either value.
  for (auto seen : {"a", "b"})
    ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 40),
                                  r(2, "k", std::string{seen}, 25, 35)}));
  // Two overlapping reads see the new value then the old one: allowed if they
  // overlap each other and the write.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 60),
                                r(2, "k", std::string{"b"}, 25, 35),
                                r(3, "k", std::string{"a"}, 30, 50)}));
  // Concurrent cas: one wins, the other fails, in either order of invocation.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), cas(2, "k", "b", "a", false, 20, 40),
                                cas(3, "k", "c", "a", true, 21, 30),
                                r(1, "k", std::string{"c"}, 50, 60)}));
}

BOOST_AUTO_TEST_CASE(unknown_operations_may_take_effect_late_or_never) {
  // The unknown write took effect long after its client gave up.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 30, outcome::unknown),
                                r(2, "k", std::string{"a"}, 40, 50),
                                r(2, "k", std::string{"b"}, 60, 70),
                                r(2, "k", std::string{"b"}, 80, 90)}));
  // ... or never.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 30, outcome::unknown),
                                r(2, "k", std::string{"a"}, 200, 210)}));
  // An unknown cas applied, seen by a read.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10),
                                cas(1, "k", "b", "a", false, 20, 30, outcome::unknown),
                                r(2, "k", std::string{"b"}, 40, 50)}));
  // A failed (definitely) write is left out.
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 30, outcome::fail),
                                r(2, "k", std::string{"a"}, 40, 50)}));
}

BOOST_AUTO_TEST_CASE(stale_read_after_an_acknowledged_write_is_rejected) {
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 30),
                                r(2, "k", std::string{"a"}, 40, 50)}));
  // Also a read of an absent key after a write completed.
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), r(2, "k", std::nullopt, 40, 50)}));
  // New value then old value by non-overlapping reads.
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 100),
                                r(2, "k", std::string{"b"}, 25, 35),
                                r(3, "k", std::string{"a"}, 40, 50)}));
}

BOOST_AUTO_TEST_CASE(an_unknown_write_takes_effect_once) {
  // b (unknown) is seen, then a comes back: a's write cannot be reordered
  // after b's because it completed before b began, and b cannot be undone.
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), w(1, "k", "b", 20, 30, outcome::unknown),
                                r(2, "k", std::string{"b"}, 40, 50),
                                r(2, "k", std::string{"a"}, 60, 70)}));
  // An unknown write cannot take effect before it was invoked.
  REJECTS(lin, (std::vector<op>{r(2, "k", std::string{"b"}, 0, 10),
                                w(1, "k", "b", 20, 30, outcome::unknown)}));
}

BOOST_AUTO_TEST_CASE(cas_against_a_value_never_written_is_rejected) {
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), cas(2, "k", "c", "zz", true, 20, 30)}));
  REJECTS(lin, (std::vector<op>{cas(2, "k", "c", "a", true, 20, 30)})); // absent key
  // A cas that failed although the value matched.
  REJECTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), cas(2, "k", "c", "a", false, 20, 30)}));
}

BOOST_AUTO_TEST_CASE(other_kinds_follow_the_register) {
  auto er = [](int c, const std::string& key, bool found, int64_t a, int64_t b) {
    return mk(c, op_kind::erase, key, a, b, outcome::ok, found ? "true" : "false");
  };
  ACCEPTS(lin, (std::vector<op>{w(1, "k", "a", 0, 10), er(1, "k", true, 20, 30),
                                r(2, "k", std::nullopt, 40, 50), er(2, "k", false, 60, 70)}));
  REJECTS(lin, (std::vector<op>{er(1, "k", true, 0, 10)}));
  REJECTS(lin, (std::vector<op>{nx(1, "k", "a", true, 0, 10), nx(2, "k", "b", true, 20, 30)}));
  ACCEPTS(lin, (std::vector<op>{nx(1, "k", "a", true, 0, 10), nx(2, "k", "b", false, 5, 30),
                                r(3, "k", std::string{"a"}, 40, 50)}));
  ACCEPTS(lin, (std::vector<op>{inc(1, "n", 2, 2, 0, 10), inc(2, "n", 3, 5, 20, 30),
                                rn(1, "n", 5, 40, 50)}));
  REJECTS(lin, (std::vector<op>{inc(1, "n", 2, 2, 0, 10), inc(2, "n", 3, 3, 20, 30)}));
}

BOOST_AUTO_TEST_CASE(keys_are_judged_apart_and_the_explanation_names_the_key) {
  std::vector<op> h{w(1, "x", "a", 0, 10), r(2, "x", std::string{"a"}, 20, 30),
                    w(1, "y", "a", 0, 10), w(1, "y", "b", 20, 30),
                    r(2, "y", std::string{"a"}, 40, 50)};
  auto v = lin(h);
  BOOST_TEST((v.status == verdict::kind::violation));
  BOOST_TEST(v.keys == 2u);
  BOOST_TEST(v.explanation.find("d/y") != std::string::npos, v.explanation);
}

BOOST_AUTO_TEST_CASE(a_search_over_budget_is_undecided_not_a_hang) {
  std::vector<op> h;
  for (int i = 0; i < 8; ++i)
    h.push_back(w(i, "k", "v" + std::to_string(i), 0, 100));
  h.push_back(r(9, "k", std::string{"v0"}, 110, 120));
  auto v = check_linearizable(h, 3);
  BOOST_TEST((v.status == verdict::kind::undecided), describe(v));
  BOOST_TEST(check_linearizable(h).ok());
}

// Histories of a real (simulated) register, with clients whose operations
// overlap and some unknown outcomes: the checker accepts them quickly, and
// rejects them after one answer is changed.
BOOST_AUTO_TEST_CASE(long_random_histories_pass_and_one_wrong_answer_fails) {
  std::mt19937_64 rng{2024};
  for (int round = 0; round < 10; ++round) {
    struct timed {
      op x;
      int64_t lp;
      bool applied;
    };
    std::vector<timed> all;
    long seq = 0;
    for (int c = 0; c < 5; ++c) {
      int64_t t = static_cast<int64_t>(rng() % 50);
      for (int i = 0; i < 300; ++i) {
        int64_t inv = t, lp = inv + 1 + static_cast<int64_t>(rng() % 30);
        int64_t comp = lp + 1 + static_cast<int64_t>(rng() % 30);
        t = comp + static_cast<int64_t>(rng() % 10);
        auto kind = rng() % 3;
        op x = kind == 0   ? w(c, "k", "v" + std::to_string(++seq), inv, comp)
               : kind == 1 ? r(c, "k", std::nullopt, inv, comp)
                           : cas(c, "k", "v" + std::to_string(++seq), "?", false, inv, comp);
        x.invoke_ns = inv * 1000;
        x.complete_ns = comp * 1000;
        bool unknown = x.kind != op_kind::get && rng() % 20 == 0;
        bool applied = !unknown || rng() % 2 == 0;
        if (unknown) {
          x.out = outcome::unknown;
          x.error = "timeout";
        }
        all.push_back({x, lp * 1000, applied});
      }
    }
    std::sort(all.begin(), all.end(), [](const timed& a, const timed& b) { return a.lp < b.lp; });
    std::optional<std::string> reg;
    std::vector<std::optional<std::string>> written; // for cas expectations
    for (auto& t : all) {
      if (!t.applied)
        continue;
      if (t.x.kind == op_kind::set) {
        reg = t.x.arg;
      } else if (t.x.kind == op_kind::get) {
        t.x.result = reg;
      } else { // cas: expect the current value half of the time
        t.x.expected = rng() % 2 && reg ? *reg : j("v0");
        bool match = reg && *reg == *t.x.expected;
        if (t.x.out == outcome::ok)
          t.x.result = match ? "true" : "false";
        if (match)
          reg = t.x.arg;
      }
    }
    std::vector<op> h;
    for (auto& t : all)
      if (t.x.kind != op_kind::cas || t.x.expected != j("?"))
        h.push_back(t.x);
    auto started = std::chrono::steady_clock::now();
    auto v = lin(h);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started)
                .count();
    BOOST_TEST(v.ok(), describe(v));
    BOOST_TEST_MESSAGE("round " << round << ": " << describe(v) << " in " << ms << " ms");
    // Make one read late in the history answer a stale value: that of an
    // acknowledged set overwritten by another acknowledged set that completed
    // before the read began (values are unique, so nothing else wrote it).
    bool corrupted = false;
    for (auto i = h.size() - 1; i > h.size() / 2 && !corrupted; --i) {
      auto& x = h[i];
      if (x.kind != op_kind::get)
        continue;
      const op* newer = nullptr;
      for (auto& y : h)
        if (y.kind == op_kind::set && y.out == outcome::ok && y.complete_ns < x.invoke_ns)
          newer = &y;
      const op* older = nullptr;
      for (auto& y : h)
        if (newer && y.kind == op_kind::set && y.out == outcome::ok
            && y.complete_ns < newer->invoke_ns && y.arg != x.result)
          older = &y;
      if (!older)
        continue;
      x.result = older->arg;
      auto bad = lin(h);
      BOOST_TEST((bad.status == verdict::kind::violation), describe(bad));
      BOOST_TEST_MESSAGE("stale read rejected: " << bad.explanation.substr(0, 300));
      corrupted = true;
    }
    BOOST_TEST(corrupted);
  }
}

namespace {

// An independent, brute-force judge for small histories: every subset of the
// unknown operations, every order that respects real time.
std::optional<std::optional<std::string>> naive_step(const op& x,
                                                     const std::optional<std::string>& s) {
  using st = std::optional<std::string>;
  bool check = x.out == outcome::ok;
  auto truth = [&](bool b) { return !check || *x.result == (b ? "true" : "false"); };
  switch (x.kind) {
    case op_kind::get:
      if (check && x.result != s)
        return std::nullopt;
      return s;
    case op_kind::set:
      return st{x.arg};
    case op_kind::erase:
      if (!truth(s.has_value()))
        return std::nullopt;
      return st{};
    case op_kind::cas:
      if (!truth(s && *s == *x.expected))
        return std::nullopt;
      return s && *s == *x.expected ? st{x.arg} : s;
    case op_kind::setnx:
      if (!truth(!s))
        return std::nullopt;
      return s ? s : st{x.arg};
    case op_kind::incr: {
      long old = 0;
      if (s) {
        if (s->empty() || s->find_first_not_of("-0123456789") != std::string::npos)
          return check ? std::nullopt : std::optional<st>{s};
        old = std::stol(*s);
      }
      auto now = std::to_string(old + std::stol(*x.arg));
      if (check && *x.result != now)
        return std::nullopt;
      return st{now};
    }
  }
  return std::nullopt;
}

bool naive_orders(const std::vector<const op*>& ops, std::vector<bool>& used, std::size_t left,
                  const std::optional<std::string>& s) {
  if (left == 0)
    return true;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (used[i])
      continue;
    bool ready = true; // every op that completed before i began is placed
    for (std::size_t j = 0; j < ops.size(); ++j)
      if (!used[j] && j != i && ops[j]->out == outcome::ok
          && ops[j]->complete_ns < ops[i]->invoke_ns)
        ready = false;
    if (!ready)
      continue;
    auto ns = naive_step(*ops[i], s);
    if (!ns)
      continue;
    used[i] = true;
    bool ok = naive_orders(ops, used, left - 1, *ns);
    used[i] = false;
    if (ok)
      return true;
  }
  return false;
}

bool naive_linearizable(const std::vector<op>& h) {
  std::vector<const op*> known, unknown;
  for (const auto& x : h)
    if (x.out == outcome::ok)
      known.push_back(&x);
    else if (x.out == outcome::unknown)
      unknown.push_back(&x);
  for (unsigned mask = 0; mask < (1u << unknown.size()); ++mask) {
    auto ops = known;
    for (std::size_t i = 0; i < unknown.size(); ++i)
      if (mask & (1u << i))
        ops.push_back(unknown[i]);
    std::vector<bool> used(ops.size(), false);
    if (naive_orders(ops, used, ops.size(), std::nullopt))
      return true;
  }
  return false;
}

} // namespace

// The search (with its memoization and its shortcuts for unknown operations)
// agrees with the brute-force judge on thousands of small random histories,
// with repeated values and every kind of operation.
BOOST_AUTO_TEST_CASE(agrees_with_brute_force_on_small_random_histories) {
  std::mt19937_64 rng{7};
  auto pick = [&](std::initializer_list<const char*> xs) {
    return std::string{*(xs.begin() + rng() % xs.size())};
  };
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 5000; ++round) {
    std::vector<op> h;
    auto n = 2 + rng() % 7;
    for (std::size_t i = 0; i < n; ++i) {
      int64_t a = static_cast<int64_t>(rng() % 15), b = a + 1 + static_cast<int64_t>(rng() % 12);
      auto o = rng() % 4 == 0 ? outcome::unknown : outcome::ok;
      auto val = [&] { return j(pick({"a", "b", "c"})); };
      auto flag = [&] { return std::optional<std::string>{pick({"true", "false"})}; };
      op x;
      switch (rng() % 6) {
        case 0:
          x = mk(1, op_kind::get, "k", a, b, outcome::ok,
                 rng() % 4 ? std::optional<std::string>{val()} : std::nullopt);
          break;
        case 1:
          x = mk(1, op_kind::set, "k", a, b, o, std::nullopt, val());
          break;
        case 2:
          x = mk(1, op_kind::cas, "k", a, b, o, flag(), val(), val());
          break;
        case 3:
          x = mk(1, op_kind::setnx, "k", a, b, o, flag(), val());
          break;
        case 4:
          x = mk(1, op_kind::erase, "k", a, b, o, flag());
          break;
        default:
          x = mk(1, op_kind::incr, "k", a, b, o, pick({"1", "2", "3"}), pick({"1", "2"}));
      }
      if (x.out != outcome::ok)
        x.result.reset();
      h.push_back(x);
    }
    bool expected = naive_linearizable(h);
    auto v = lin(h);
    (expected ? accepted : rejected)++;
    BOOST_TEST((v.status == (expected ? verdict::kind::ok : verdict::kind::violation)),
               "round " << round << ": brute force says " << expected << ", the search "
                        << describe(v));
    if (v.ok() != expected) {
      for (const auto& x : h)
        BOOST_TEST_MESSAGE("  " << to_line(x));
      break;
    }
  }
  BOOST_TEST_MESSAGE(accepted << " linearizable, " << rejected << " not");
  BOOST_TEST(accepted > 200);
  BOOST_TEST(rejected > 200);
}

// The specialised checkers never reject a history the brute-force judge
// finds linearizable (they check necessary conditions).
BOOST_AUTO_TEST_CASE(specialised_checkers_never_reject_a_linearizable_history) {
  std::mt19937_64 rng{11};
  int judged[3] = {0, 0, 0};
  for (int round = 0; round < 10000; ++round) {
    auto n = 2 + rng() % 6;
    auto times = [&](int64_t& a, int64_t& b) {
      a = static_cast<int64_t>(rng() % 15);
      b = a + 1 + static_cast<int64_t>(rng() % 10);
    };
    auto o = [&] { return rng() % 4 == 0 ? outcome::unknown : outcome::ok; };
    std::vector<op> counters, setnx, own;
    int64_t t = 0;
    for (std::size_t i = 0; i < n; ++i) {
      int64_t a, b;
      times(a, b);
      if (rng() % 3 == 0) {
        counters.push_back(rn(1, "n", rng() % 5 ? std::optional<int64_t>{static_cast<int64_t>(rng() % 7) - 2}
                                               : std::nullopt, a, b));
      } else {
        auto out = o();
        counters.push_back(inc(1, "n", static_cast<int64_t>(rng() % 4) - 1,
                               out == outcome::ok ? std::optional<int64_t>{static_cast<int64_t>(rng() % 7) - 2}
                                                  : std::nullopt, a, b));
      }
      times(a, b);
      if (rng() % 3 == 0) {
        auto v = rng() % (i + 2);
        setnx.push_back(r(1, "x", v ? std::optional<std::string>{"v" + std::to_string(v)} : std::nullopt, a, b));
      } else {
        auto out = o();
        std::optional<bool> won;
        if (out == outcome::ok)
          won = rng() % 2 == 0;
        setnx.push_back(nx(1, "x", "v" + std::to_string(i + 1), won, a, b));
      }
      // One client, one operation after the other.
      a = t + 1 + static_cast<int64_t>(rng() % 3);
      b = a + 1 + static_cast<int64_t>(rng() % 3);
      t = b;
      auto v = "w" + std::to_string(i);
      switch (rng() % 4) {
        case 0:
          own.push_back(w(1, "p", v, a, b, o()));
          break;
        case 1:
          own.push_back(mk(1, op_kind::erase, "p", a, b, outcome::ok,
                           std::string{rng() % 2 ? "true" : "false"}));
          break;
        case 2:
          own.push_back(cas(1, "p", v, "w" + std::to_string(rng() % (i + 1)), rng() % 2, a, b, o()));
          break;
        default:
          own.push_back(r(1, "p", rng() % 3 ? std::optional<std::string>{"w" + std::to_string(rng() % (i + 1))}
                                           : std::nullopt, a, b));
      }
    }
    own.push_back(r(9, "p", rng() % 4 ? std::optional<std::string>{"w" + std::to_string(rng() % n)}
                                     : std::nullopt, t + 10, t + 11));
    for (auto& x : own)
      if (x.out != outcome::ok)
        x.result.reset();
    struct {
      const char* name;
      std::vector<op>* h;
      verdict (*check)(const std::vector<op>&);
    } cases[] = {{"counters", &counters, check_counters},
                 {"setnx", &setnx, check_setnx},
                 {"last write", &own, check_last_write}};
    for (int c = 0; c < 3; ++c) {
      if (!naive_linearizable(*cases[c].h))
        continue;
      ++judged[c];
      auto v = cases[c].check(*cases[c].h);
      BOOST_TEST(v.ok(), cases[c].name << " round " << round << ": " << describe(v));
      if (!v.ok()) {
        for (const auto& x : *cases[c].h)
          BOOST_TEST_MESSAGE("  " << to_line(x));
        return;
      }
    }
  }
  BOOST_TEST_MESSAGE("linearizable histories judged: counters " << judged[0] << ", setnx "
                                                              << judged[1] << ", last write "
                                                              << judged[2]);
  for (int c : judged)
    BOOST_TEST(c > 50);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(counters)

BOOST_AUTO_TEST_CASE(final_value_within_acknowledged_plus_a_subset_of_unknown) {
  std::vector<op> base{inc(1, "n", 1, 1, 0, 10), inc(2, "n", 2, 3, 20, 30),
                       inc(3, "n", 5, std::nullopt, 40, 50), inc(3, "n", -1, std::nullopt, 60, 70)};
  for (int64_t ok_final : {3, 8, 2, 7}) {
    auto h = base;
    h.push_back(rn(9, "n", ok_final, 100, 110));
    ACCEPTS(check_counters, h);
  }
  for (int64_t bad_final : {4, 9, 1, 5, 0}) { // off by one, or no subset
    auto h = base;
    h.push_back(rn(9, "n", bad_final, 100, 110));
    REJECTS(check_counters, h);
  }
}

BOOST_AUTO_TEST_CASE(reads_seen_by_clients_are_within_the_running_bounds) {
  // A read overlapping an increment may see it or not.
  for (int64_t seen : {1, 3})
    ACCEPTS(check_counters, (std::vector<op>{inc(1, "n", 1, 1, 0, 10), inc(2, "n", 2, 3, 20, 40),
                                             rn(3, "n", seen, 25, 35)}));
  // A read after an acknowledged increment must see it.
  REJECTS(check_counters, (std::vector<op>{inc(1, "n", 1, 1, 0, 10), rn(3, "n", 0, 20, 30)}));
  REJECTS(check_counters,
          (std::vector<op>{inc(1, "n", 1, 1, 0, 10), rn(3, "n", std::nullopt, 20, 30)}));
  // An increment's result includes itself and every increment before it.
  REJECTS(check_counters, (std::vector<op>{inc(1, "n", 1, 1, 0, 10), inc(2, "n", 1, 1, 20, 30)}));
  // A read cannot see an increment invoked after it ended.
  REJECTS(check_counters, (std::vector<op>{rn(3, "n", 1, 0, 10), inc(1, "n", 1, 1, 20, 30)}));
  ACCEPTS(check_counters,
          (std::vector<op>{rn(3, "n", std::nullopt, 0, 10), inc(1, "n", 1, 1, 20, 30)}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(set_if_absent)

BOOST_AUTO_TEST_CASE(one_winner_whose_value_stays) {
  ACCEPTS(check_setnx, (std::vector<op>{nx(1, "x", "a", true, 0, 10), nx(2, "x", "b", false, 5, 20),
                                        nx(3, "x", "c", std::nullopt, 6, 30),
                                        r(9, "x", std::string{"a"}, 100, 110)}));
}

BOOST_AUTO_TEST_CASE(two_winners_are_rejected) {
  REJECTS(check_setnx, (std::vector<op>{nx(1, "x", "a", true, 0, 10), nx(2, "x", "b", true, 5, 20),
                                        r(9, "x", std::string{"a"}, 100, 110)}));
}

BOOST_AUTO_TEST_CASE(the_final_value_must_be_the_winners) {
  REJECTS(check_setnx, (std::vector<op>{nx(1, "x", "a", true, 0, 10),
                                        nx(3, "x", "c", std::nullopt, 6, 30),
                                        r(9, "x", std::string{"c"}, 100, 110)}));
  REJECTS(check_setnx,
          (std::vector<op>{nx(1, "x", "a", true, 0, 10), r(9, "x", std::nullopt, 100, 110)}));
}

BOOST_AUTO_TEST_CASE(without_an_acknowledged_winner_an_unknown_attempt_or_nothing) {
  std::vector<op> base{nx(1, "x", "a", std::nullopt, 0, 10), nx(2, "x", "b", std::nullopt, 5, 20)};
  for (std::optional<std::string> fin : {std::optional<std::string>{"a"},
                                         std::optional<std::string>{"b"},
                                         std::optional<std::string>{}}) {
    auto h = base;
    h.push_back(r(9, "x", fin, 100, 110));
    ACCEPTS(check_setnx, h);
  }
  auto h = base;
  h.push_back(r(9, "x", std::string{"z"}, 100, 110));
  REJECTS(check_setnx, h);
  // Someone was told "false": the key was present, so it cannot be absent later.
  h = base;
  h.push_back(nx(3, "x", "c", false, 30, 40));
  h.push_back(r(9, "x", std::nullopt, 100, 110));
  REJECTS(check_setnx, h);
  // Told "false" with no attempt that could have won before.
  REJECTS(check_setnx, (std::vector<op>{nx(3, "x", "c", false, 0, 10),
                                        nx(1, "x", "a", std::nullopt, 20, 30)}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(last_write)

BOOST_AUTO_TEST_CASE(the_last_acknowledged_write_is_there) {
  ACCEPTS(check_last_write, (std::vector<op>{w(1, "p", "a", 0, 10), w(1, "p", "b", 20, 30),
                                             r(9, "p", std::string{"b"}, 100, 110)}));
  REJECTS(check_last_write, (std::vector<op>{w(1, "p", "a", 0, 10), w(1, "p", "b", 20, 30),
                                             r(9, "p", std::string{"a"}, 100, 110)}));
  auto er = mk(1, op_kind::erase, "p", 40, 50, outcome::ok, "true");
  REJECTS(check_last_write, (std::vector<op>{w(1, "p", "a", 0, 10), er,
                                             r(9, "p", std::string{"a"}, 100, 110)}));
  ACCEPTS(check_last_write,
          (std::vector<op>{w(1, "p", "a", 0, 10), er, r(9, "p", std::nullopt, 100, 110)}));
  // A cas that answered false wrote nothing; one that answered true did.
  ACCEPTS(check_last_write, (std::vector<op>{w(1, "p", "a", 0, 10),
                                             cas(1, "p", "b", "x", false, 20, 30),
                                             r(9, "p", std::string{"a"}, 100, 110)}));
  REJECTS(check_last_write, (std::vector<op>{w(1, "p", "a", 0, 10),
                                             cas(1, "p", "b", "a", true, 20, 30),
                                             r(9, "p", std::string{"a"}, 100, 110)}));
}

BOOST_AUTO_TEST_CASE(unless_a_write_with_unknown_outcome_came_after) {
  std::vector<op> base{w(1, "p", "a", 0, 10), w(1, "p", "b", 20, 30, outcome::unknown)};
  for (auto fin : {"a", "b"}) {
    auto h = base;
    h.push_back(r(9, "p", std::string{fin}, 100, 110));
    ACCEPTS(check_last_write, h);
  }
  auto h = base;
  h.push_back(r(9, "p", std::nullopt, 100, 110)); // lost: neither a nor b
  REJECTS(check_last_write, h);
}

BOOST_AUTO_TEST_SUITE_END()
