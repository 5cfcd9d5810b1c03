// schedule_bench: scheduled tasks (issue 5) side by side with their anchors, in
// one run (see BENCHMARKS.md, "Scheduled tasks (issue 5)"; bench/schedule_run.sh
// starts the processes).
//
//   schedule_bench --serve [node options: --name, --listen, --peer, --data-dir, ...]
//       a serving node of the lateness cluster. Registers `noop` (returns its
//       argument; load) and `ctl_<name>` (the driver's control function, one per
//       node, so the driver reaches each node by name). Runs two timer threads,
//       the anchors, while a phase is on:
//         anchor        sleeps with std::this_thread::sleep_until (system_clock)
//                       to each due time of the phase's schedule and records its
//                       own lateness: the floor of any timer on this machine;
//         claim anchor  the same, 250 ms after each due time, then claims the
//                       instant as the scheduler does (set_if_absent of
//                       "bench.claim@<due>" in a majority of the claim dicts
//                       "__schedule_claims.<i>", in their order, stopping at the
//                       first one another node holds), on the timer thread
//                       itself; the winner records its lateness after the claim:
//                       timer + claim, without the scheduler's thread hand-offs.
//       Prints "ready", then runs until its stdin closes or SIGTERM/SIGINT; exits 0.
//       ctl_<name> commands ({"cmd": ...}):
//         ping
//         start {task, offset_ms}  the anchors record for `task`; the node
//                                  schedules `task` every(1 s, reference 1970 +
//                                  offset_ms); the body takes system_clock::now()
//                                  first, lateness = that - ctx.scheduled_time(),
//                                  then reads its own "running" marker from
//                                  "__schedules" (its "started", Unix ms, taken just
//                                  before the marker write) and keeps
//                                  [period_ms, lateness_us, started_ms]
//         stop {task}              the anchors and the body stop recording (the
//                                  task keeps firing: there is no unschedule)
//         collect {task}           {"runs": [[period_ms, late_us, started_ms], ...],
//                                   "anchor": [[due_ms, late_us], ...],
//                                   "claim_anchor": [[due_ms, late_us], ...]}
//
//   schedule_bench --drive --node HOST:PORT [--periods N] [--load-threads K]
//       the lateness driver (an mn::client). Phase "idle": every node schedules
//       "lat.idle" (every 1 s, offset 0) and the anchors record; after N periods
//       (from the first whole second at least 1.5 s after the start) plus 2 s,
//       collects. Then starts K load threads (even ones: blocking dict::set,
//       synced, cycling over dicts owned by each node; odd ones: blocking
//       function("noop").call), waits 2 s, and runs phase "load" the same way
//       with "lat.load" at offset 500 ms (so the idle task, which keeps firing at
//       offset 0 with a body that does nothing, stays out of its way). Prints
//         RESULT part=lateness phase=P kind=mn|anchor|claim n= p50_us= p99_us= max_us=
//         RUNS phase=P periods= one= zero= more= outside= nodes=a:..,b:.. missed= skipped=
//              record_runs= claim_anchor_not_one=
//         SPLIT phase=P n= to_marker_p50_ms= to_marker_p99_ms= marker_body_p50_ms= marker_body_p99_ms=
//         MACHINE phase=P secs= busy_pct= load_sets_s= load_calls_s= load_errors=
//       and MISSING/DUP lines for periods that ran 0 or 2+ times.
//       Exit 1 when a period in the window did not run exactly once.
//
//   schedule_bench --idle-cost --data-dir D [--count N] [--window S]
//       one embedded node. (a) S seconds with no schedules: process CPU
//       (getrusage RUSAGE_SELF, user+sys) and RSS (VmRSS, RssAnon); then the
//       synced-write floor (as in --fire, printed as FLOOR); (c) schedules
//       N tasks every(1 h) with references spread over [now+15 min, now+58 min)
//       (none is due for 15 min, and none was due in the last 2 min: a period
//       younger than its grace, 60 s, would still run at once), timing the
//       schedule() calls, the moment the "__schedules" dict holds N records and
//       the moment schedules() lists N;
//       (b) 2 s later, S seconds as (a). Prints
//         COST state=none|scheduled n= secs= cpu_s= cpu_pct= rss_mib= anon_mib= machine_busy_pct=
//         REGISTER n= schedule_calls_ms= records_ms= visible_ms= schedules_call_ms= cpu_s= rss_mib= anon_mib=
//         IDLERUNS runs= missed=   (the records' counters after (b); both should be 0)
//       Exit 1 when schedules() does not list N within 300 s.
//
//   schedule_bench --fire --data-dir D [--count N] [--window S]
//       one embedded node. First the synced-write floor: 4 threads doing
//       set_if_absent of fresh keys on a local dict for 3 s. Then schedules N
//       tasks every(1 s) (reference 1970); once their records exist, for the S
//       whole-second periods that follow, every body records its lateness, and
//       the anchor timer thread records its own. Prints
//         FLOOR writers=4 secs= writes_s=
//         FIRE n= periods= demanded_s= runs= runs_s= p50_us= p99_us= max_us= per_period_min=
//              per_period_max= dropped= missed= skipped= dup= drain_p50_us= drain_max_us=
//              late_over_period= drain_wait_s=
//         FIRE_ANCHOR n= p50_us= p99_us= max_us=
//         MACHINE phase=fire secs= busy_pct=
//       Bodies of the window's periods are recorded until none started for 3 s
//       (at most 60 s after the window: drain_wait_s). dropped: task-periods of
//       the window that never ran; missed, skipped: the sums of the records'
//       counters, read after that; drain: per period, the lateness of its last
//       run to start; late_over_period: runs that started 1 s or more after
//       their period (when the next period was due already).
//       Exit 1 when a task ran a period twice.
#include "bench_process.hpp"
#include <mn/mn.hpp>

#include <boost/program_options.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
using sclk = std::chrono::system_clock;
using clk = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(sclk::now().time_since_epoch())
    .count();
}
int64_t unix_ms() {
  return unix_us() / 1000;
}
int64_t ms_of(mn::sys_time t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}
mn::sys_time at_ms(int64_t ms) {
  return mn::sys_time{milliseconds(ms)};
}
double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// p-th percentile (as function_bench: index n*p/100, capped), NAN when empty.
double pct(std::vector<double> v, int p) {
  if (v.empty())
    return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * static_cast<std::size_t>(p) / 100)];
}
double vmax(const std::vector<double>& v) {
  return v.empty() ? NAN : *std::max_element(v.begin(), v.end());
}

// The machine's CPU time (/proc/stat "cpu" line): busy and total jiffies.
struct machine_cpu {
  uint64_t busy = 0, total = 0;
};
machine_cpu read_machine() {
  std::ifstream f{"/proc/stat"};
  std::string cpu;
  uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  f >> cpu;
  for (auto& x : v)
    f >> x;
  machine_cpu m;
  for (auto x : v)
    m.total += x;
  m.busy = m.total - v[3] - v[4]; // minus idle and iowait
  return m;
}
double busy_pct(const machine_cpu& a, const machine_cpu& b) {
  return b.total > a.total ? 100.0 * static_cast<double>(b.busy - a.busy)
                               / static_cast<double>(b.total - a.total)
                           : NAN;
}

double process_cpu_s() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(r.ru_utime) + tv(r.ru_stime);
}

// VmRSS and RssAnon of this process, MiB.
std::pair<double, double> rss_mib() {
  std::ifstream f{"/proc/self/status"};
  std::string line;
  double rss = NAN, anon = NAN;
  while (std::getline(f, line)) {
    std::istringstream in{line};
    std::string key;
    double kb = 0;
    in >> key >> kb;
    if (key == "VmRSS:")
      rss = kb / 1024;
    else if (key == "RssAnon:")
      anon = kb / 1024;
  }
  return {rss, anon};
}

// The next due time of "every 1 s from 1970 + offset_ms" strictly after `now_ms`.
int64_t next_due_ms(int64_t now_ms, int64_t offset_ms) {
  int64_t k = (now_ms - offset_ms) / 1000 + 1;
  if (now_ms - offset_ms < 0)
    k = 0;
  return k * 1000 + offset_ms;
}

// The anchor: a plain timer thread that sleeps (sleep_until, system_clock) to
// each due time of an every(1 s, offset + shift) schedule while `tag` is
// non-empty, and records its lateness under `tag`. With an `action`, it runs
// it on waking (on this thread) and records the lateness after it, only when
// the action returns true (e.g. "this node won the claim").
class anchor_timer {
public:
  using action_fn = std::function<bool(int64_t due_ms)>;
  explicit anchor_timer(int64_t shift_ms = 0, action_fn action = {})
    : shift_ms_(shift_ms), action_(std::move(action)), thread_([this] { loop(); }) {}
  ~anchor_timer() { halt(); }
  // Ends the thread. A thread that made a blocking call over CAF keeps a
  // reference to the actor system's logger (CAF 0.17's thread-local logger)
  // until it ends, and ~actor_system waits for that logger: halt a timer that
  // used the node's dicts before the node is destroyed.
  void halt() {
    {
      std::lock_guard<std::mutex> g{mu_};
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }
  void start(const std::string& tag, int64_t offset_ms) {
    {
      std::lock_guard<std::mutex> g{mu_};
      tag_ = tag;
      offset_ms_ = (offset_ms + shift_ms_) % 1000;
    }
    cv_.notify_all();
  }
  void stop() {
    std::lock_guard<std::mutex> g{mu_};
    tag_.clear();
  }
  // [[due_ms, late_us], ...] of `tag`.
  std::vector<std::pair<int64_t, double>> samples(const std::string& tag) {
    std::lock_guard<std::mutex> g{mu_};
    return samples_[tag];
  }

private:
  void loop() {
    std::unique_lock<std::mutex> g{mu_};
    while (!stop_) {
      if (tag_.empty()) {
        cv_.wait_for(g, milliseconds(100));
        continue;
      }
      auto tag = tag_;
      auto due = next_due_ms(unix_ms(), offset_ms_);
      g.unlock();
      std::this_thread::sleep_until(sclk::time_point{milliseconds(due)});
      bool keep = true;
      {
        std::lock_guard<std::mutex> g2{mu_};
        keep = tag_ == tag && !stop_; // stopped meanwhile: no action (the node may be stopping)
      }
      if (keep && action_) {
        try {
          keep = action_(due);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "schedule_bench: anchor action: %s\n", e.what());
          keep = false;
        }
      }
      auto late = static_cast<double>(unix_us() - due * 1000);
      g.lock();
      if (keep && tag_ == tag)
        samples_[tag].emplace_back(due, late);
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::string tag_;
  int64_t offset_ms_ = 0;
  int64_t shift_ms_ = 0;
  action_fn action_;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> samples_;
  std::thread thread_;
};

// The claim dicts as the node computes them (runtime/node.cpp, claim_dicts):
// "__schedule_claims.<i>" with distinct owners, at most 3, in that order.
template <class N>
std::vector<mn::dict> claim_dicts(N& n) {
  std::vector<mn::dict> out;
  std::set<std::string> owners;
  auto wanted = std::min<std::size_t>(3, n.members().size());
  for (int i = 0; out.size() < wanted && i < 1000; ++i) {
    auto name = "__schedule_claims." + std::to_string(i);
    if (owners.insert(n.owner_of(name)).second)
      out.push_back(n.get_system_dict(name));
  }
  return out;
}

// -- serve ------------------------------------------------------------------------

struct serve_state {
  std::mutex mu;
  std::set<std::string> recording;                  // tasks whose bodies record
  std::map<std::string, mn::value> runs;            // task -> [[period, late_us, started_ms], ...]
};

int serve(int argc, char** argv) {
  auto sigs = bench::block_stop_signals();

  mn::node_options defaults;
  defaults.listen = "127.0.0.1:4242";
  auto opts = mn::node_options::from_command_line(argc, argv, defaults);
  auto st = std::make_shared<serve_state>();
  auto anchor = std::make_shared<anchor_timer>();
  {
    mn::node node{opts};
    auto records = node.get_system_dict("__schedules");
    // The second anchor: the same claim as the scheduler's (set_if_absent in a
    // majority of the claim dicts, in their order, stopping at the first one
    // another node holds), made by a timer thread 250 ms after each due time of
    // the phase's schedule, on the timer thread itself; the winner records its
    // lateness after the claim.
    auto claim_anchor = std::make_shared<anchor_timer>(
      250, [claims = claim_dicts(node), self = opts.name](int64_t due) mutable {
        auto key = "bench.claim@" + std::to_string(due);
        mn::value me = {{"node", self}};
        std::size_t needed = claims.size() / 2 + 1, won = 0;
        for (auto& d : claims) {
          if (d.set_if_absent(key, me)) {
            ++won;
          } else {
            auto holder = d.get(key);
            if (!holder || *holder != me)
              return false;
            ++won;
          }
          if (won >= needed)
            return true;
        }
        return false;
      });
    node.register_function("noop", [](const mn::value& x) { return x; });
    node.register_function("ctl_" + opts.name, [&node, st, anchor, claim_anchor,
                                                 records](const mn::value& c) -> mn::value {
      auto cmd = c.value("cmd", "");
      if (cmd == "ping")
        return {{"node", node.options().name}, {"now_ms", unix_ms()}};
      if (cmd == "start") {
        auto task = c.at("task").get<std::string>();
        auto offset = c.value("offset_ms", int64_t{0});
        {
          std::lock_guard<std::mutex> g{st->mu};
          st->recording.insert(task);
          st->runs[task] = mn::value::array();
        }
        anchor->start(task, offset);
        claim_anchor->start(task, offset);
        node.schedule(task, mn::every(std::chrono::seconds(1), at_ms(offset)),
                      [st, records, task](mn::schedule_context& ctx) mutable {
                        auto now = unix_us();
                        auto period = ms_of(ctx.scheduled_time());
                        double late = static_cast<double>(now - period * 1000);
                        {
                          std::lock_guard<std::mutex> g{st->mu};
                          if (!st->recording.count(task))
                            return;
                        }
                        int64_t started = 0;
                        try {
                          auto r = records.get(task);
                          auto running = r ? r->value("running", mn::value{}) : mn::value{};
                          if (running.is_object() && running.value("period", int64_t{0}) == period)
                            started = running.value("started", int64_t{0});
                        } catch (const mn::error&) {
                        }
                        std::lock_guard<std::mutex> g{st->mu};
                        st->runs[task].push_back({period, late, started});
                      });
        return {{"ok", true}};
      }
      if (cmd == "stop") {
        anchor->stop();
        claim_anchor->stop();
        std::lock_guard<std::mutex> g{st->mu};
        st->recording.erase(c.at("task").get<std::string>());
        return {{"ok", true}};
      }
      if (cmd == "collect") {
        auto task = c.at("task").get<std::string>();
        mn::value out;
        {
          std::lock_guard<std::mutex> g{st->mu};
          out["runs"] = st->runs[task];
        }
        out["anchor"] = mn::value::array();
        for (auto& [due, late] : anchor->samples(task))
          out["anchor"].push_back({due, late});
        out["claim_anchor"] = mn::value::array();
        for (auto& [due, late] : claim_anchor->samples(task))
          out["claim_anchor"].push_back({due, late});
        return out;
      }
      throw std::runtime_error("ctl: unknown command '" + cmd + "'");
    });
    std::printf("ready\n");
    std::fflush(stdout);
    bench::wait_for_stop("schedule_bench", sigs);
    // Before the node: see anchor_timer::halt.
    claim_anchor->halt();
    anchor->halt();
  }
  std::fprintf(stderr, "schedule_bench: stopped\n");
  return 0;
}

// -- drive ----------------------------------------------------------------------------

struct load_gen {
  std::atomic<bool> on{false};
  std::atomic<uint64_t> sets{0}, calls{0}, errors{0};
  std::vector<std::thread> threads;

  void start(mn::client& client, std::size_t n) {
    on = true;
    std::vector<std::string> names; // dicts owned by each node
    std::set<std::string> owners;
    for (int i = 0; i < 1000 && owners.size() < client.members().size(); ++i) {
      auto name = "load." + std::to_string(i);
      if (owners.insert(client.owner_of(name)).second)
        names.push_back(name);
    }
    for (std::size_t t = 0; t < n; ++t) {
      if (t % 2 == 0) {
        std::vector<mn::dict> dicts;
        for (auto& nm : names)
          dicts.push_back(client.get_dict(nm));
        threads.emplace_back([this, dicts, t]() mutable {
          for (int64_t i = 0; on; ++i) {
            try {
              dicts[static_cast<std::size_t>(i) % dicts.size()].set(
                "k" + std::to_string(t) + "." + std::to_string(i % 100), mn::value(i));
              ++sets;
            } catch (const mn::error&) {
              ++errors;
            }
          }
        });
      } else {
        auto f = client.function("noop");
        threads.emplace_back([this, f] {
          for (int64_t i = 0; on; ++i) {
            try {
              if (f.call(mn::value(i)).get<int64_t>() == i)
                ++calls;
              else
                ++errors;
            } catch (const mn::error&) {
              ++errors;
            }
          }
        });
      }
    }
  }
  void stop() {
    on = false;
    for (auto& t : threads)
      t.join();
    threads.clear();
  }
};

int drive(mn::client& client, int periods, std::size_t load_threads) {
  auto members = client.members();
  std::map<std::string, mn::function_handle> ctl;
  for (auto& m : members)
    ctl.emplace(m.name, client.function("ctl_" + m.name));
  // Every node answers (bounded: 30 s).
  for (auto& [name, f] : ctl) {
    auto deadline = clk::now() + std::chrono::seconds(30);
    for (;;) {
      try {
        f.call(mn::value{{"cmd", "ping"}});
        break;
      } catch (const mn::error& e) {
        if (clk::now() > deadline) {
          std::fprintf(stderr, "schedule_bench: node %s does not answer: %s\n", name.c_str(),
                       e.what());
          return 1;
        }
        std::this_thread::sleep_for(milliseconds(200));
      }
    }
  }
  std::printf("# driver: %zu nodes; %d periods per phase; %zu load threads in the load phase\n",
              members.size(), periods, load_threads);
  {
    std::string owners;
    std::set<std::string> seen;
    for (int i = 0; seen.size() < std::min<std::size_t>(3, members.size()) && i < 1000; ++i) {
      auto name = "__schedule_claims." + std::to_string(i);
      auto o = client.owner_of(name);
      if (seen.insert(o).second)
        owners += " " + name + "=" + o;
    }
    std::printf("# owners, in claim order:%s; __schedules=%s\n", owners.c_str(),
                client.owner_of("__schedules").c_str());
  }
  std::fflush(stdout);
  bool failed = false;
  load_gen load;

  auto phase = [&](const std::string& ph, const std::string& task, int64_t offset) {
    auto m0 = read_machine();
    auto c0 = clk::now();
    uint64_t s0 = load.sets, k0 = load.calls, e0 = load.errors;
    auto t0 = unix_ms();
    for (auto& [name, f] : ctl)
      f.call(mn::value{{"cmd", "start"}, {"task", task}, {"offset_ms", offset}});
    int64_t first = next_due_ms(t0 + 1500 - 1, offset);
    int64_t last = first + int64_t{periods - 1} * 1000;
    std::this_thread::sleep_until(sclk::time_point{milliseconds(last + 2000)});
    auto m1 = read_machine();
    double secs = secs_since(c0);
    uint64_t s1 = load.sets, k1 = load.calls, e1 = load.errors;
    for (auto& [name, f] : ctl)
      f.call(mn::value{{"cmd", "stop"}, {"task", task}});
    std::vector<double> mn_late, anchor_late, claim_late, to_marker, marker_body;
    std::map<int64_t, int> claim_won; // due -> winners of the claim anchor
    std::map<int64_t, std::vector<std::string>> ran; // period -> nodes
    std::map<std::string, int> by_node;
    int outside = 0;
    for (auto& [name, f] : ctl) {
      auto out = f.call(mn::value{{"cmd", "collect"}, {"task", task}});
      for (auto& r : out.at("runs")) {
        auto period = r.at(0).get<int64_t>();
        auto late = r.at(1).get<double>();
        auto started = r.at(2).get<int64_t>();
        if (period < first || period > last) {
          ++outside;
          continue;
        }
        ran[period].push_back(name);
        ++by_node[name];
        mn_late.push_back(late);
        if (started > 0) {
          to_marker.push_back(static_cast<double>(started - period));
          marker_body.push_back(late / 1000 - static_cast<double>(started - period));
        }
      }
      for (auto& a : out.at("anchor")) {
        auto due = a.at(0).get<int64_t>();
        if (due >= first && due <= last)
          anchor_late.push_back(a.at(1).get<double>());
      }
      for (auto& a : out.at("claim_anchor")) {
        auto due = a.at(0).get<int64_t>(); // its own due times: 250 ms after the task's
        if (due >= first + 250 && due <= last + 250) {
          claim_late.push_back(a.at(1).get<double>());
          ++claim_won[due];
        }
      }
    }
    int one = 0, zero = 0, more = 0;
    for (int64_t p = first; p <= last; p += 1000) {
      auto i = ran.find(p);
      std::size_t n = i == ran.end() ? 0 : i->second.size();
      if (n == 1) {
        ++one;
      } else if (n == 0) {
        ++zero;
        std::printf("MISSING phase=%s period_ms=%lld\n", ph.c_str(), static_cast<long long>(p));
      } else {
        ++more;
        std::string who;
        for (auto& w : i->second)
          who += (who.empty() ? "" : ",") + w;
        std::printf("DUP phase=%s period_ms=%lld runs=%zu nodes=%s\n", ph.c_str(),
                    static_cast<long long>(p), n, who.c_str());
      }
    }
    if (zero || more)
      failed = true;
    uint64_t missed = 0, skipped = 0, rec_runs = 0;
    for (auto& s : client.schedules())
      if (s.name == task) {
        missed = s.missed;
        skipped = s.skipped;
        rec_runs = s.runs;
      }
    std::string nodes;
    for (auto& m : members)
      nodes += (nodes.empty() ? "" : ",") + m.name + ":" + std::to_string(by_node[m.name]);
    std::printf("RESULT part=lateness phase=%s kind=mn n=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
                ph.c_str(), mn_late.size(), pct(mn_late, 50), pct(mn_late, 99), vmax(mn_late));
    std::printf(
      "RESULT part=lateness phase=%s kind=anchor n=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
      ph.c_str(), anchor_late.size(), pct(anchor_late, 50), pct(anchor_late, 99),
      vmax(anchor_late));
    std::printf(
      "RESULT part=lateness phase=%s kind=claim n=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
      ph.c_str(), claim_late.size(), pct(claim_late, 50), pct(claim_late, 99), vmax(claim_late));
    int claim_bad = 0;
    for (int64_t p = first + 250; p <= last + 250; p += 1000)
      if (claim_won[p] != 1)
        ++claim_bad;
    std::printf("RUNS phase=%s periods=%d one=%d zero=%d more=%d outside=%d nodes=%s missed=%llu "
                "skipped=%llu record_runs=%llu claim_anchor_not_one=%d\n",
                ph.c_str(), periods, one, zero, more, outside, nodes.c_str(),
                static_cast<unsigned long long>(missed), static_cast<unsigned long long>(skipped),
                static_cast<unsigned long long>(rec_runs), claim_bad);
    std::printf("SPLIT phase=%s n=%zu to_marker_p50_ms=%.0f to_marker_p99_ms=%.0f "
                "marker_body_p50_ms=%.1f marker_body_p99_ms=%.1f\n",
                ph.c_str(), to_marker.size(), pct(to_marker, 50), pct(to_marker, 99),
                pct(marker_body, 50), pct(marker_body, 99));
    std::printf("MACHINE phase=%s secs=%.1f busy_pct=%.0f load_sets_s=%.0f load_calls_s=%.0f "
                "load_errors=%llu\n",
                ph.c_str(), secs, busy_pct(m0, m1), static_cast<double>(s1 - s0) / secs,
                static_cast<double>(k1 - k0) / secs, static_cast<unsigned long long>(e1 - e0));
    std::fflush(stdout);
  };

  phase("idle", "lat.idle", 0);
  load.start(client, load_threads);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  phase("load", "lat.load", 500);
  load.stop();
  if (load.errors > 0)
    std::fprintf(stderr, "schedule_bench: %llu load operations failed\n",
                 static_cast<unsigned long long>(load.errors.load()));
  return failed ? 1 : 0;
}

// The synced-write floor of this node: 4 writers doing set_if_absent of fresh
// keys on the local dict `name` for 3 s. Prints FLOOR; returns writes/s.
double synced_write_floor(mn::node& node, const std::string& name) {
  auto d = node.get_dict(name);
  std::atomic<bool> on{true};
  std::atomic<uint64_t> writes{0};
  std::vector<std::thread> ts;
  auto c0 = clk::now();
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int64_t i = 0; on; ++i)
        if (d.set_if_absent("w" + std::to_string(t) + "." + std::to_string(i), mn::value(i)))
          ++writes;
    });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  on = false;
  for (auto& t : ts)
    t.join();
  double secs = secs_since(c0);
  double rate = static_cast<double>(writes) / secs;
  std::printf("FLOOR writers=4 secs=%.1f writes_s=%.0f\n", secs, rate);
  std::fflush(stdout);
  return rate;
}

// -- idle cost ------------------------------------------------------------------------

void cost_window(const char* state, std::size_t n, double secs) {
  auto m0 = read_machine();
  auto cpu0 = process_cpu_s();
  auto c0 = clk::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(secs));
  auto cpu1 = process_cpu_s();
  double wall = secs_since(c0);
  auto m1 = read_machine();
  auto [rss, anon] = rss_mib();
  std::printf("COST state=%s n=%zu secs=%.1f cpu_s=%.3f cpu_pct=%.3f rss_mib=%.1f anon_mib=%.1f "
              "machine_busy_pct=%.0f\n",
              state, n, wall, cpu1 - cpu0, 100 * (cpu1 - cpu0) / wall, rss, anon,
              busy_pct(m0, m1));
  std::fflush(stdout);
}

int idle_cost(mn::node& node, std::size_t count, double window) {
  std::this_thread::sleep_for(std::chrono::seconds(1)); // start-up settles
  cost_window("none", 0, window);
  synced_write_floor(node, "floor"); // the anchor of the record creation
  auto records = node.get_system_dict("__schedules");
  auto cpu0 = process_cpu_s();
  auto c0 = clk::now();
  // Due from 15 min on, and the last due time before now more than 2 min ago:
  // a period less than `grace` (60 s) old would still run at once.
  int64_t base = unix_ms() + 15 * 60 * 1000;
  int64_t spread = 43 * 60 * 1000;
  for (std::size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "idle.%05zu", i);
    auto ref = base + static_cast<int64_t>(i) * spread / static_cast<int64_t>(count);
    node.schedule(name, mn::every(std::chrono::hours(1), at_ms(ref)),
                  [](mn::schedule_context&) {});
  }
  double calls_ms = secs_since(c0) * 1000;
  double records_ms = NAN, visible_ms = NAN, list_ms = NAN;
  auto deadline = c0 + std::chrono::seconds(300);
  while (clk::now() < deadline) {
    if (std::isnan(records_ms) && records.size() >= count)
      records_ms = secs_since(c0) * 1000;
    if (!std::isnan(records_ms)) {
      auto l0 = clk::now();
      auto n = node.schedules().size();
      list_ms = secs_since(l0) * 1000;
      if (n >= count) {
        visible_ms = secs_since(c0) * 1000;
        break;
      }
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  auto cpu1 = process_cpu_s();
  auto [rss, anon] = rss_mib();
  std::printf("REGISTER n=%zu schedule_calls_ms=%.0f records_ms=%.0f visible_ms=%.0f "
              "schedules_call_ms=%.0f cpu_s=%.2f rss_mib=%.1f anon_mib=%.1f\n",
              count, calls_ms, records_ms, visible_ms, list_ms, cpu1 - cpu0, rss, anon);
  std::fflush(stdout);
  if (std::isnan(visible_ms)) {
    std::fprintf(stderr, "schedule_bench: schedules() did not list %zu tasks within 300 s\n",
                 count);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cost_window("scheduled", count, window);
  // None of them may have run: they are due from 15 min on.
  uint64_t runs = 0, missed = 0;
  for (auto& s : node.schedules()) {
    runs += s.runs;
    missed += s.missed;
  }
  std::printf("IDLERUNS runs=%llu missed=%llu\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(missed));
  return 0;
}

// -- fire ------------------------------------------------------------------------------

int fire(mn::node& node, std::size_t count, int window) {
  synced_write_floor(node, "floor");
  struct sample {
    std::size_t task;
    int64_t period;
    double late;
  };
  auto mu = std::make_shared<std::mutex>();
  auto samples = std::make_shared<std::vector<sample>>();
  auto recording = std::make_shared<std::atomic<bool>>(false);
  samples->reserve(count * static_cast<std::size_t>(window + 10));
  for (std::size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "fire.%04zu", i);
    node.schedule(name, mn::every(std::chrono::seconds(1)),
                  [mu, samples, recording, i](mn::schedule_context& ctx) {
                    auto now = unix_us();
                    if (!*recording)
                      return;
                    auto period = ms_of(ctx.scheduled_time());
                    std::lock_guard<std::mutex> g{*mu};
                    samples->push_back({i, period, static_cast<double>(now - period * 1000)});
                  });
  }
  auto records = node.get_system_dict("__schedules");
  auto deadline = clk::now() + std::chrono::seconds(120);
  while (records.size() < count) {
    if (clk::now() > deadline) {
      std::fprintf(stderr, "schedule_bench: the %zu records were not all created in 120 s\n",
                   count);
      return 1;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  *recording = true;
  int64_t first = next_due_ms(unix_ms() + 1000, 0);
  int64_t last = first + int64_t{window - 1} * 1000;
  anchor_timer anchor;
  anchor.start("fire", 0);
  auto m0 = read_machine();
  auto c0 = clk::now();
  std::this_thread::sleep_until(sclk::time_point{milliseconds(last + 1000)});
  auto m1 = read_machine();
  double secs = secs_since(c0);
  anchor.stop();
  // Bodies of the window's periods may still wait on the function threads:
  // go on recording until none started for 3 s (at most 60 s).
  auto window_runs = [&] {
    std::lock_guard<std::mutex> g{*mu};
    return std::count_if(samples->begin(), samples->end(), [&](const sample& s) {
      return s.period >= first && s.period <= last;
    });
  };
  auto drain_deadline = clk::now() + std::chrono::seconds(60);
  auto seen_runs = window_runs();
  auto quiet_since = clk::now();
  while (clk::now() < drain_deadline
         && clk::now() - quiet_since < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(milliseconds(250));
    auto n = window_runs();
    if (n != seen_runs) {
      seen_runs = n;
      quiet_since = clk::now();
    }
  }
  *recording = false;
  double drain_wait = secs_since(c0) - secs;
  uint64_t missed = 0, skipped = 0;
  for (auto& s : node.schedules()) {
    missed += s.missed;
    skipped += s.skipped;
  }
  std::vector<double> late;
  std::map<int64_t, std::size_t> per_period;
  std::set<std::pair<std::size_t, int64_t>> seen;
  std::size_t dup = 0, over_period = 0;
  {
    std::lock_guard<std::mutex> g{*mu};
    for (auto& s : *samples) {
      if (s.period < first || s.period > last)
        continue;
      if (!seen.insert({s.task, s.period}).second)
        ++dup;
      late.push_back(s.late);
      ++per_period[s.period];
      if (s.late >= 1e6)
        ++over_period;
    }
  }
  std::size_t pmin = count, pmax = 0;
  for (int64_t p = first; p <= last; p += 1000) {
    auto n = per_period[p];
    pmin = std::min(pmin, n);
    pmax = std::max(pmax, n);
  }
  // Drain: per period, the lateness of its last run to start (how long the
  // node took to start all of the period's runs).
  std::map<int64_t, double> last_start;
  {
    std::lock_guard<std::mutex> g{*mu};
    for (auto& s : *samples)
      if (s.period >= first && s.period <= last)
        last_start[s.period] = std::max(last_start[s.period], s.late);
  }
  std::vector<double> drain;
  for (auto& [p, l] : last_start)
    drain.push_back(l);
  std::size_t demanded = count * static_cast<std::size_t>(window);
  std::size_t dropped = demanded - (seen.size() <= demanded ? seen.size() : demanded);
  std::vector<double> alate;
  for (auto& [due, l] : anchor.samples("fire"))
    if (due >= first && due <= last)
      alate.push_back(l);
  std::printf("FIRE n=%zu periods=%d demanded_s=%zu runs=%zu runs_s=%.0f p50_us=%.0f p99_us=%.0f "
              "max_us=%.0f per_period_min=%zu per_period_max=%zu dropped=%zu missed=%llu skipped=%llu "
              "dup=%zu drain_p50_us=%.0f drain_max_us=%.0f late_over_period=%zu drain_wait_s=%.1f\n",
              count, window, count, late.size(), static_cast<double>(late.size()) / window,
              pct(late, 50), pct(late, 99), vmax(late), pmin, pmax, dropped,
              static_cast<unsigned long long>(missed), static_cast<unsigned long long>(skipped),
              dup, pct(drain, 50), vmax(drain), over_period, drain_wait);
  std::printf("FIRE_ANCHOR n=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f\n", alate.size(),
              pct(alate, 50), pct(alate, 99), vmax(alate));
  std::printf("MACHINE phase=fire secs=%.1f busy_pct=%.0f\n", secs, busy_pct(m0, m1));
  std::fflush(stdout);
  return dup == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  std::string node_addr;
  int periods = 60;
  std::size_t load_threads = 4, count = 0;
  double window = 30;
  bool serve_mode = false, drive_mode = false, idle_mode = false, fire_mode = false;
  po::options_description desc{
    "schedule_bench: scheduled tasks vs their anchors (other arguments are node options)"};
  desc.add_options()("help,h", "this help")("serve", po::bool_switch(&serve_mode),
                                            "a serving node of the lateness cluster")(
    "drive", po::bool_switch(&drive_mode), "the lateness driver (a client)")(
    "idle-cost", po::bool_switch(&idle_mode), "CPU and memory of many idle schedules")(
    "fire", po::bool_switch(&fire_mode), "many schedules firing every second")(
    "node", po::value(&node_addr), "drive: HOST:PORT of a node")(
    "periods", po::value(&periods)->default_value(periods), "drive: periods per phase")(
    "load-threads", po::value(&load_threads)->default_value(load_threads),
    "drive: load threads in the load phase")(
    "count", po::value(&count), "idle-cost: schedules (10000); fire: schedules (1000)")(
    "window", po::value(&window)->default_value(window),
    "idle-cost: seconds per CPU window; fire: periods measured");
  po::variables_map vm;
  std::vector<std::string> node_args;
  if (auto rc = bench::parse_options("schedule_bench", argc, argv, desc, vm, node_args))
    return *rc;
  if (serve_mode + drive_mode + idle_mode + fire_mode != 1) {
    std::cerr << "schedule_bench: give one of --serve, --drive, --idle-cost, --fire\n" << desc;
    return 2;
  }
  std::vector<const char*> nargv{argv[0]};
  for (auto& a : node_args)
    nargv.push_back(a.c_str());
  int nargc = static_cast<int>(nargv.size());
  try {
    if (serve_mode)
      return serve(nargc, const_cast<char**>(nargv.data()));
    auto opts = mn::node_options::from_command_line(nargc, nargv.data(), mn::node_options{});
    if (drive_mode) {
      if (node_addr.empty() || periods < 1) {
        std::cerr << "schedule_bench: --drive needs --node and --periods >= 1\n";
        return 2;
      }
      mn::client client{node_addr, opts};
      return drive(client, periods, load_threads);
    }
    if (window <= 0) {
      std::cerr << "schedule_bench: --window must be positive\n";
      return 2;
    }
    opts.listen.clear();
    opts.peers.clear();
    mn::node node{opts};
    std::printf("# embedded node, data dir %s\n", opts.data_dir.c_str());
    std::fflush(stdout);
    if (idle_mode)
      return idle_cost(node, count ? count : 10000, window);
    return fire(node, count ? count : 1000, static_cast<int>(window));
  } catch (const std::exception& e) {
    std::cerr << "schedule_bench: " << e.what() << "\n";
    return 1;
  }
}
