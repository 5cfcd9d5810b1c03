// Fault and consistency tests: workload clients (mn_test_workload, real
// mn::client processes) record every operation they make on a cluster of real
// nodes (mn_test_node); afterwards the final state is read through a node and
// the history is judged by the checkers of tests/support/history.hpp:
// acknowledged writes are there, every value is whole (checksums), counters
// are within what their increments allow, set_if_absent has one winner per
// key, and every key is linearizable.
//
// crash_loop kills a random node with SIGKILL 50 times while the clients run
// (seed printed; MN_FAULT_SEED=N repeats a run, MN_FAULT_CYCLES=N changes the
// count, MN_FAULT_RATE=N the operations per second of each client, 0: as fast
// as they can). Keep the data with MN_KEEP_TEST_DATA=1 to look at the histories.
#define BOOST_TEST_MODULE fault
#include "cluster/cluster_fixture.hpp"
#include "support/history.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace mn::test;
using namespace std::chrono_literals;
namespace h = mn::test::history;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

bool starts_with(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}
bool is_counter(const std::string& key) {
  return starts_with(key, "ctr");
}
bool is_setnx(const std::string& key) {
  return starts_with(key, "nx");
}
bool is_own(const std::string& key) {
  return starts_with(key, "p");
}
bool is_register(const std::string& key) {
  return starts_with(key, "reg");
}

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

// The workload processes of one test, their histories and the final read.
class workload {
public:
  workload(cluster& c, std::vector<std::string> dicts, const std::string& label)
    : c_(c), dicts_(std::move(dicts)), tmp_(label) {}

  ~workload() {
    for (auto& p : procs_)
      p.reset(); // SIGKILL + reap if still running
  }

  std::string nodes() const {
    std::string out;
    for (int i = 0; i < c_.size(); ++i)
      out += (i ? "," : "") + c_.address(i);
    return out;
  }

  std::string dicts() const {
    std::string out;
    for (const auto& d : dicts_)
      out += (out.empty() ? "" : ",") + d;
    return out;
  }

  // Client i connects through node i % 3 first.
  void start(int clients, long max_ms, long seed, double rate, long request_timeout_ms) {
    for (int i = 0; i < clients; ++i) {
      procs_.push_back(std::make_unique<child_process>(std::vector<std::string>{
        MN_TEST_WORKLOAD, "--nodes", nodes(), "--dicts", dicts(), "--client", std::to_string(i),
        "--duration-ms", std::to_string(max_ms), "--seed", std::to_string(seed), "--history",
        tmp_ / ("client" + std::to_string(i) + ".txt"), "--rate", std::to_string(rate),
        "--request-timeout-ms", std::to_string(request_timeout_ms), "--connect-timeout-ms",
        "1000", "--stop-on-stdin"}));
      files_.push_back(tmp_ / ("client" + std::to_string(i) + ".txt"));
    }
  }

  // Asks every client to stop, and waits for each to finish.
  void stop() {
    for (auto& p : procs_)
      p->write_line("stop");
    for (std::size_t i = 0; i < procs_.size(); ++i) {
      auto line = procs_[i]->read_line(60s);
      BOOST_TEST_MESSAGE("client " << i << ": " << (line ? *line : "(no report)"));
      BOOST_REQUIRE_MESSAGE(line && starts_with(*line, "done"),
                            "workload client " << i << " did not finish");
      BOOST_TEST(procs_[i]->wait(30s) == 0);
    }
    procs_.clear();
  }

  // Reads every key the clients touched, and every key there is, through
  // node `via`; returns the whole history, the final reads last.
  std::vector<h::op> finish(int via) {
    std::vector<h::op> all;
    for (const auto& f : files_) {
      auto part = h::read_file(f);
      all.insert(all.end(), part.begin(), part.end());
    }
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& x : all)
      keys.insert({x.dict, x.key});
    {
      std::ofstream out{tmp_ / "keys.txt"};
      for (const auto& [d, k] : keys)
        out << d << " " << k << "\n";
    }
    auto final_file = tmp_ / "final.txt";
    child_process reader{{MN_TEST_WORKLOAD, "--read-all", "--nodes", c_.address(via), "--dicts",
                          dicts(), "--client", "1000", "--history", final_file, "--keys",
                          tmp_ / "keys.txt", "--request-timeout-ms", "5000"}};
    auto line = reader.read_line(120s);
    BOOST_REQUIRE_MESSAGE(line && starts_with(*line, "done"), "the final read did not finish");
    BOOST_REQUIRE_MESSAGE(reader.wait(30s) == 0, "the final read could not read every key");
    auto fin = h::read_file(final_file);
    final_reads_ = 0;
    for (const auto& x : fin)
      final_reads_ += x.out == h::outcome::ok;
    BOOST_TEST_MESSAGE("final read: " << final_reads_ << " keys through node " << c_.name(via)
                                      << " (" << *line << ")");
    all.insert(all.end(), fin.begin(), fin.end());
    return all;
  }

  const std::string& dir() const { return tmp_.path(); }

private:
  cluster& c_;
  std::vector<std::string> dicts_;
  temp_dir tmp_;
  std::vector<std::unique_ptr<child_process>> procs_;
  std::vector<std::string> files_;
  long final_reads_ = 0;
};

// One dict owned by each node.
std::vector<std::string> dicts_on_every_node(cluster& c, const std::string& prefix) {
  std::vector<std::string> out;
  for (int i = 0; i < c.size(); ++i)
    out.push_back(c.dict_owned_by(i, prefix));
  return out;
}

// Counts of operations per kind and outcome.
void print_figures(const std::vector<h::op>& all) {
  std::map<std::string, std::array<long, 3>> by_kind;
  std::array<long, 3> total{};
  std::map<std::string, long> errors;
  for (const auto& x : all) {
    if (x.client == 1000)
      continue;
    by_kind[h::to_string(x.kind)][static_cast<int>(x.out)]++;
    total[static_cast<int>(x.out)]++;
    if (x.out != h::outcome::ok)
      errors[x.error]++;
  }
  std::ostringstream out;
  out << "operations (acked / failed / unknown):";
  for (const auto& [k, n] : by_kind)
    out << " " << k << " " << n[0] << "/" << n[1] << "/" << n[2] << ";";
  out << " total " << total[0] << "/" << total[1] << "/" << total[2] << "; errors:";
  for (const auto& [e, n] : errors)
    out << " " << e << "=" << n;
  BOOST_TEST_MESSAGE(out.str());
}

// Runs every checker on the history; each must accept it.
void check_all(const std::vector<h::op>& all) {
  auto started = clock_type::now();
  auto on = [&](bool (*pred)(const std::string&)) {
    return h::select(all, [pred](const h::op& x) { return pred(x.key); });
  };
  auto own = on(is_own);
  auto counters = on(is_counter);
  auto setnx = on(is_setnx);
  auto registers = on(is_register);
  std::vector<std::pair<std::string, h::verdict>> verdicts{
    {"values well formed", h::check_well_formed(all, is_counter)},
    {"own keys: last acknowledged write present", h::check_last_write(own)},
    {"own keys: linearizable", h::check_linearizable(own)},
    {"counters within bounds", h::check_counters(counters)},
    {"set_if_absent: one winner", h::check_setnx(setnx)},
    {"set_if_absent: linearizable", h::check_linearizable(setnx)},
    {"registers: linearizable", h::check_linearizable(registers)},
  };
  for (const auto& [name, v] : verdicts) {
    BOOST_TEST_MESSAGE(name << ": " << h::describe(v));
    BOOST_TEST(v.ok(), name << ": " << h::describe(v));
  }
  BOOST_TEST_MESSAGE("checks took " << std::fixed << std::setprecision(2) << seconds_since(started)
                                    << " s");
}

// The checkers are not vacuous: one wrong answer planted in the real history
// is rejected, for each kind of key.
void check_corruptions_rejected(const std::vector<h::op>& all) {
  auto final_read = [&](const std::string& d, const std::string& k) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].client == 1000 && all[i].dict == d && all[i].key == k
          && all[i].out == h::outcome::ok)
        return static_cast<std::ptrdiff_t>(i);
    return -1;
  };
  auto expect_rejected = [](const char* what, const h::verdict& v) {
    BOOST_TEST((v.status == h::verdict::kind::violation), what << ": " << h::describe(v));
    BOOST_TEST_MESSAGE("planted " << what << ", rejected: " << v.explanation.substr(0, 400));
  };
  // The operations of one (dict, key) in a history. (A parameter, not the
  // structured binding below: C++17 lambdas cannot capture those; clang refuses.)
  auto ops_of = [](const std::vector<h::op>& ops, const std::pair<std::string, std::string>& key) {
    return h::select(ops, [&key](const h::op& x) { return x.dict == key.first && x.key == key.second; });
  };
  // Keys by kind, each with its operations.
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> keys;
  for (std::size_t i = 0; i < all.size(); ++i)
    keys[{all[i].dict, all[i].key}].push_back(i);

  bool stale_own = false, stale_register = false, counter = false, setnx = false;
  for (const auto& [k, idx] : keys) {
    auto f = final_read(k.first, k.second);
    if (f < 0)
      continue;
    // A stale value: an acknowledged set followed (after it completed) by
    // another acknowledged write; values are unique, so reading it at the end
    // is wrong.
    if ((is_own(k.second) && !stale_own) || (is_register(k.second) && !stale_register)) {
      const h::op* old = nullptr;
      for (auto i : idx) {
        const auto& x = all[i];
        if (x.kind == h::op_kind::set && x.out == h::outcome::ok) {
          old = &x;
          break;
        }
      }
      bool overwritten = false;
      for (auto i : idx) {
        const auto& x = all[i];
        bool wrote = x.out == h::outcome::ok
                     && (x.kind == h::op_kind::set
                         || (x.kind == h::op_kind::cas && x.result == std::string{"true"}));
        overwritten |= old && wrote && x.invoke_ns > old->complete_ns && x.arg != old->arg;
      }
      if (!overwritten || all[f].result == old->arg)
        continue;
      auto bad = all;
      bad[f].result = old->arg;
      auto part = ops_of(bad, k);
      if (is_own(k.second)) {
        expect_rejected("stale final value of an own key (last-write check)",
                        h::check_last_write(part));
        expect_rejected("stale final value of an own key (linearizability)",
                        h::check_linearizable(part));
        stale_own = true;
      } else {
        expect_rejected("stale final value of a register", h::check_linearizable(part));
        stale_register = true;
      }
    } else if (is_counter(k.second) && !counter) {
      // One more than every increment that may have applied.
      long most = 1;
      for (auto i : idx) {
        const auto& x = all[i];
        if (x.kind != h::op_kind::incr || x.out == h::outcome::fail)
          continue;
        long d = std::stol(*x.arg);
        if (d > 0 || x.out == h::outcome::ok)
          most += d;
      }
      auto bad = all;
      bad[f].result = std::to_string(most);
      auto part = ops_of(bad, k);
      expect_rejected("counter above its increments", h::check_counters(part));
      counter = true;
    } else if (is_setnx(k.second) && !setnx && all[f].result) {
      // The final value replaced by a losing attempt's.
      const h::op* loser = nullptr;
      for (auto i : idx)
        if (all[i].kind == h::op_kind::setnx && all[i].out == h::outcome::ok
            && all[i].result == std::string{"false"} && all[i].arg != all[f].result)
          loser = &all[i];
      if (!loser)
        continue;
      auto bad = all;
      bad[f].result = loser->arg;
      auto part = ops_of(bad, k);
      expect_rejected("setnx final value of a loser", h::check_setnx(part));
      setnx = true;
    }
  }
  BOOST_TEST(stale_own);
  BOOST_TEST(stale_register);
  BOOST_TEST(counter);
  BOOST_TEST(setnx);
}

} // namespace

BOOST_AUTO_TEST_SUITE(consistency)

// No faults: three clients, one through each node, for a few seconds.
BOOST_AUTO_TEST_CASE(clients_on_every_node_without_faults) {
  cluster c{3};
  c.start_all();
  auto dicts = dicts_on_every_node(c, "calm");
  workload w{c, dicts, "consistency"};
  auto started = clock_type::now();
  w.start(3, 60'000, 7, 400, 5000);
  std::this_thread::sleep_for(4s);
  w.stop();
  BOOST_TEST_MESSAGE("workload ran " << seconds_since(started) << " s on dicts " << w.dicts());
  auto all = w.finish(0);
  print_figures(all);
  long unknown = 0;
  for (const auto& x : all)
    unknown += x.out == h::outcome::unknown;
  BOOST_TEST_MESSAGE(unknown << " operations with unknown outcome");
  check_all(all);
  check_corruptions_rejected(all);
}

// A workload client whose first node address does not answer connects
// through the next one.
BOOST_AUTO_TEST_CASE(a_client_moves_past_an_address_that_does_not_answer) {
  cluster c{3};
  c.start_all();
  auto dead = "127.0.0.1:" + std::to_string(free_ports(1)[0]);
  auto d = c.dict_owned_by(1, "moves");
  temp_dir tmp{"moves"};
  child_process p{{MN_TEST_WORKLOAD, "--nodes", dead + "," + c.address(0), "--dicts", d,
                   "--client", "0", "--duration-ms", "1500", "--seed", "3", "--history",
                   tmp / "h.txt", "--rate", "100", "--connect-timeout-ms", "500"}};
  auto line = p.read_line(60s);
  BOOST_REQUIRE_MESSAGE(line, "the workload did not finish");
  BOOST_TEST_MESSAGE(*line);
  BOOST_TEST(line->find("connects=1") != std::string::npos, *line);
  BOOST_TEST(line->find(" unknown=0 ") != std::string::npos, *line);
  BOOST_TEST(p.wait(30s) == 0);
  auto hist = h::read_file(tmp / "h.txt");
  BOOST_TEST(hist.size() > 20u);
  long elsewhere = 0; // operations recorded as served by another node than d's owner
  for (const auto& x : hist)
    elsewhere += x.node != "b";
  BOOST_TEST(elsewhere == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(faults)

// SIGKILL a random node, restart it after a short random pause, wait until it
// is ready, again and again, while four clients run; then judge the history.
BOOST_AUTO_TEST_CASE(crash_loop) {
  long seed = env_or("MN_FAULT_SEED", 20261130);
  long cycles = env_or("MN_FAULT_CYCLES", 50);
  BOOST_TEST_MESSAGE("crash loop: seed " << seed << " (MN_FAULT_SEED), " << cycles << " cycles");
  std::mt19937_64 rng{static_cast<uint64_t>(seed)};
  cluster c{3};
  c.start_all();
  auto dicts = dicts_on_every_node(c, "crash");
  workload w{c, dicts, "crash_loop"};
  double rate = static_cast<double>(env_or("MN_FAULT_RATE", 0)); // per client; 0: flat out
  w.start(4, 170'000, seed, rate, 1000);
  std::this_thread::sleep_for(1s);

  auto started = clock_type::now();
  double down_total = 0, restart_total = 0, restart_max = 0;
  std::map<std::string, int> kills;
  std::vector<std::pair<std::string, int64_t>> kill_times; // (node, steady ns)
  long done = 0;
  for (; done < cycles && seconds_since(started) < 140; ++done) {
    int victim = static_cast<int>(rng() % 3);
    auto pause = std::chrono::milliseconds(50 + rng() % 250);
    auto up = std::chrono::milliseconds(150 + rng() % 450);
    auto t0 = clock_type::now();
    kill_times.emplace_back(c.name(victim), h::now_ns());
    c.kill(victim, SIGKILL);
    std::this_thread::sleep_for(pause);
    auto t1 = clock_type::now();
    c.start(victim); // waits until it says "ready"
    double restart = seconds_since(t1);
    restart_total += restart;
    restart_max = std::max(restart_max, restart);
    down_total += seconds_since(t0);
    ++kills[c.name(victim)];
    std::this_thread::sleep_for(up);
  }
  double loop_s = seconds_since(started);
  std::ostringstream k;
  for (const auto& [n, count] : kills)
    k << " " << n << "=" << count;
  BOOST_TEST_MESSAGE("crash loop: " << done << " cycles in " << std::fixed << std::setprecision(1)
                                    << loop_s << " s; kills" << k.str()
                                    << "; mean down " << std::setprecision(3)
                                    << down_total / std::max(1L, done) << " s, restart (to ready) mean "
                                    << restart_total / std::max(1L, done) << " s, max "
                                    << restart_max << " s");
  BOOST_TEST(done == cycles);
  std::this_thread::sleep_for(2s); // every node up: let the clients reach it again
  w.stop();
  auto all = w.finish(static_cast<int>(rng() % 3));
  print_figures(all);
  // The kills hit a busy owner: writes it acknowledged just before it died
  // (which the checks below find again) and writes it never answered.
  long acked_before_kill = 0, cut_by_kill = 0;
  for (const auto& x : all) {
    if (x.kind == h::op_kind::get || x.client == 1000)
      continue;
    for (const auto& [node, t] : kill_times) {
      if (x.node != node)
        continue;
      acked_before_kill += x.out == h::outcome::ok && x.complete_ns <= t
                           && x.complete_ns > t - 100'000'000;
      cut_by_kill += x.out == h::outcome::unknown && x.invoke_ns <= t && x.complete_ns >= t;
    }
  }
  BOOST_TEST_MESSAGE("writes acknowledged by a node less than 100 ms before it was killed: "
                     << acked_before_kill << "; writes in flight when their owner was killed: "
                     << cut_by_kill);
  BOOST_TEST(acked_before_kill > 0);
  check_all(all);
  check_corruptions_rejected(all);
  BOOST_TEST_MESSAGE("histories in " << w.dir() << " (kept with MN_KEEP_TEST_DATA=1)");
}

BOOST_AUTO_TEST_SUITE_END()
