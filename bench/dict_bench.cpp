// dict_bench: the core dict (mn::dict / mn::async_dict) side by side with its
// raw-LMDB anchor, in one process and one run, so that every claim is a ratio
// measured on the same machine at the same time (see BENCHMARKS.md).
//
//   dict_bench --dir DIR [--keys N] [--seconds S] [--quick] [--scheduler-threads N]
//
// DIR/raw holds a plain LMDB environment (MDB_NOTLS, synced commits: the same
// flags as the library's default); DIR/node is the data directory of an
// mn::node with default options (durability = sync). Keys are 16 bytes
// ("k%015llu"), values 100 bytes (raw: 100 bytes; mn: a 98-char string, whose
// MessagePack encoding is 100 bytes).
//
// Phases (each prints one row: ops/s, p50/p99 latency, ratio mn/anchor). The two
// sides of each timed phase run in interleaved slices (A B B A A B B A): this
// machine's disk drifts by large factors within seconds.
//   a. fill            raw: 10,000 puts per synced commit; mn: set_many chunks of 10,000
//   b. random get      mn: blocking dict::get (local fast path) vs raw: one RDONLY txn per get
//   g. memory          RssAnon / RssFile after the get phase, N-key dict open
//   c. durable set, 1  mn: blocking dict::set loop vs raw: 1 put per synced commit
//   d. durable set, 64 64 CAF actors with sequential async_dict::set vs raw: 64 puts per commit
//   e. hot increment   64 actors, async_dict::increment("hot", 1); verified at the end
//   f. blocking set    64 std::threads, each a dict::set loop (compare with d)
// Exit status: 0 = ran (goals met or not), 1 = failure, 2 = increment mismatch.
#include "bench_random.hpp"
#include <mn/async_dict.hpp>
#include <mn/mn.hpp>
#include <mn/option_errors.hpp>

#include "actors/dict_protocol.hpp"
#include "runtime/detail/dict_handle.hpp"

#include <caf/all.hpp>

#include <boost/program_options.hpp>

#include <lmdb.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

namespace {

// -- small helpers -------------------------------------------------------------

constexpr std::size_t key_bytes = 16;
constexpr std::size_t value_bytes = 100;
constexpr std::size_t fill_chunk = 10000;
constexpr std::size_t n_requesters = 64;

[[noreturn]] void die(const std::string& msg) {
  throw std::runtime_error(msg);
}

void check_mdb(int rc, const char* what) {
  if (rc != 0)
    die(std::string("raw LMDB: ") + what + ": " + mdb_strerror(rc));
}


// Writes "k%015llu" of `i` into `k` (which has 16 chars) without allocating.
void make_key(std::string& k, uint64_t i) {
  k[0] = 'k';
  for (std::size_t p = key_bytes - 1; p >= 1; --p) {
    k[p] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

std::string key_of(uint64_t i) {
  std::string k(key_bytes, '0');
  make_key(k, i);
  return k;
}

uint32_t ns_between(clk::time_point t0, clk::time_point t1) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  if (ns < 0)
    return 0;
  return ns > static_cast<int64_t>(UINT32_MAX) ? UINT32_MAX : static_cast<uint32_t>(ns);
}

double secs_between(clk::time_point t0, clk::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

clk::duration as_duration(double secs) {
  return std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
}

// Throughput and latency of one side of a phase.
struct stats {
  uint64_t ops = 0;
  double secs = 0;
  double ops_s = 0;
  double p50_us = NAN;
  double p99_us = NAN;
};

// `lat` is consumed (partially reordered).
stats summarize(uint64_t ops, double secs, std::vector<uint32_t>& lat) {
  stats s;
  s.ops = ops;
  s.secs = secs;
  s.ops_s = secs > 0 ? static_cast<double>(ops) / secs : 0;
  if (!lat.empty()) {
    auto at = [&](double p) {
      std::size_t i = std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()));
      std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(i), lat.end());
      return lat[i] / 1000.0;
    };
    s.p50_us = at(0.50);
    s.p99_us = at(0.99);
  }
  return s;
}

std::string fmt_rate(double x) {
  char buf[32];
  if (x >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM/s", x / 1e6);
  else if (x >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk/s", x / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f/s", x);
  return buf;
}

std::string fmt_us(double us) {
  if (std::isnan(us))
    return "-";
  char buf[32];
  if (us >= 10000)
    std::snprintf(buf, sizeof buf, "%.1fms", us / 1000);
  else if (us >= 100)
    std::snprintf(buf, sizeof buf, "%.0fus", us);
  else
    std::snprintf(buf, sizeof buf, "%.1fus", us);
  return buf;
}

// A "Key:   123 kB" line of /proc/self/status, in KiB (-1 when absent).
long proc_status_kib(const std::string& field) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) {
      std::istringstream is{line.substr(field.size() + 1)};
      long kib = -1;
      is >> kib;
      return kib;
    }
  }
  return -1;
}

// -- result rows ---------------------------------------------------------------

struct row {
  std::string phase;
  std::string mn_label;
  stats mn;
  std::string anchor_label;
  stats anchor;
  std::string goal; // empty: informational
  double goal_ratio = 0;

  double ratio() const { return anchor.ops_s > 0 ? mn.ops_s / anchor.ops_s : NAN; }
  bool has_goal() const { return !goal.empty(); }
  bool met() const { return has_goal() && ratio() >= goal_ratio; }
};

std::vector<row> rows;

void print_header() {
  std::printf("  %-34s %9s %8s %8s | %-22s %9s %8s %8s | %7s | %s\n", "mn", "ops/s", "p50",
              "p99", "anchor", "ops/s", "p50", "p99", "ratio", "goal");
}

void print_row(const row& r) {
  std::printf("%s\n", r.phase.c_str());
  std::string goal = r.has_goal() ? r.goal + (r.met() ? "  MET" : "  MISSED") : "(info)";
  std::printf("  %-34s %9s %8s %8s | %-22s %9s %8s %8s | %6.2fx | %s\n", r.mn_label.c_str(),
              fmt_rate(r.mn.ops_s).c_str(), fmt_us(r.mn.p50_us).c_str(),
              fmt_us(r.mn.p99_us).c_str(), r.anchor_label.c_str(),
              fmt_rate(r.anchor.ops_s).c_str(), fmt_us(r.anchor.p50_us).c_str(),
              fmt_us(r.anchor.p99_us).c_str(), r.ratio(), goal.c_str());
  std::fflush(stdout);
}

void add_row(row r) {
  print_row(r);
  rows.push_back(std::move(r));
}

// -- the raw LMDB anchor ---------------------------------------------------------

class raw_env {
public:
  explicit raw_env(const std::string& dir) {
    check_mdb(mdb_env_create(&env_), "mdb_env_create");
    check_mdb(mdb_env_set_mapsize(env_, std::size_t{16} << 30), "mdb_env_set_mapsize");
    // Default flags (synced commits) plus MDB_NOTLS, like the library.
    check_mdb(mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0600), "mdb_env_open");
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    check_mdb(mdb_dbi_open(txn, nullptr, 0, &dbi_), "mdb_dbi_open");
    check_mdb(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  ~raw_env() {
    if (env_ != nullptr)
      mdb_env_close(env_);
  }
  raw_env(const raw_env&) = delete;
  raw_env& operator=(const raw_env&) = delete;

  // One synced write transaction with the puts of `keys` (value: `val`).
  void put_commit(const std::vector<uint64_t>& keys, const std::string& val, std::string& kbuf) {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    for (auto i : keys) {
      make_key(kbuf, i);
      MDB_val k{kbuf.size(), kbuf.data()};
      MDB_val v{val.size(), const_cast<char*>(val.data())};
      if (int rc = mdb_put(txn, dbi_, &k, &v, 0)) {
        mdb_txn_abort(txn);
        check_mdb(rc, "mdb_put");
      }
    }
    check_mdb(mdb_txn_commit(txn), "mdb_txn_commit");
  }

  // One read-only transaction per get; the value is copied out.
  bool get(const std::string& key, std::string& out) {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin(RDONLY)");
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == 0)
      out.assign(static_cast<const char*>(v.mv_data), v.mv_size);
    mdb_txn_abort(txn);
    if (rc != 0 && rc != MDB_NOTFOUND)
      check_mdb(rc, "mdb_get");
    return rc == 0;
  }

  // Reads every value once (untimed warm-up: maps the file's pages).
  uint64_t scan() {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin(RDONLY)");
    MDB_cursor* cur = nullptr;
    check_mdb(mdb_cursor_open(txn, dbi_, &cur), "mdb_cursor_open");
    MDB_val k, v;
    uint64_t n = 0, sum = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      sum += static_cast<const unsigned char*>(v.mv_data)[v.mv_size - 1];
      ++n;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return sum > 0 ? n : 0;
  }

  // One synced write transaction with `n` increments of the int64 under `key`
  // (get, add 1, put), like n increments of one hot key batched in one commit.
  void increment_commit(const std::string& key, std::size_t n) {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    for (std::size_t i = 0; i < n; ++i) {
      MDB_val v;
      int64_t x = 0;
      int rc = mdb_get(txn, dbi_, &k, &v);
      if (rc == 0 && v.mv_size == sizeof x)
        std::memcpy(&x, v.mv_data, sizeof x);
      else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        check_mdb(rc == 0 ? MDB_BAD_VALSIZE : rc, "mdb_get(hot)");
      }
      ++x;
      MDB_val nv{sizeof x, &x};
      if ((rc = mdb_put(txn, dbi_, &k, &nv, 0)) != 0) {
        mdb_txn_abort(txn);
        check_mdb(rc, "mdb_put(hot)");
      }
    }
    check_mdb(mdb_txn_commit(txn), "mdb_txn_commit");
  }

  uint64_t entries() {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin(RDONLY)");
    MDB_stat st;
    int rc = mdb_stat(txn, dbi_, &st);
    mdb_txn_abort(txn);
    check_mdb(rc, "mdb_stat");
    return st.ms_entries;
  }

private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// -- interleaved measurement ------------------------------------------------------

// What one side of a phase measured: ops counted inside its timed windows, the
// windows' total length, and per-op latencies (ns).
struct sample {
  uint64_t ops = 0;
  double secs = 0;
  std::vector<uint32_t> lat;
  stats summary() { return summarize(ops, secs, lat); }
};

// Runs one side for `secs`, adding to the sample.
using side_fn = std::function<void(double secs, sample&)>;

// Disks and VMs drift by large factors within seconds, so the two sides of a
// phase run in interleaved slices, A B B A A B B A (linear drift cancels), each
// side `secs` in total.
void paired(double secs, const side_fn& a, sample& sa, const side_fn& b, sample& sb) {
  static const char order[] = "ABBAABBA";
  double slice = secs / 4;
  for (const char* c = order; *c != '\0'; ++c) {
    if (*c == 'A')
      a(slice, sa);
    else
      b(slice, sb);
  }
}

// Runs `op()` (worth `ops_per_call` ops) until `secs` have passed.
template <class F>
void timed_loop(double secs, sample& out, uint64_t ops_per_call, F&& op) {
  auto start = clk::now();
  auto deadline = start + as_duration(secs);
  auto now = start;
  while (now < deadline) {
    auto t0 = clk::now();
    op();
    now = clk::now();
    out.lat.push_back(ns_between(t0, now));
    out.ops += ops_per_call;
  }
  out.secs += secs_between(start, now);
}

// -- group-commit statistics of the dict actor --------------------------------------

// (batches, ops) of the dict actor's commits so far.
bool dict_stats(mn::node& node, const mn::dict& d, uint64_t& batches, uint64_t& ops) {
  caf::scoped_actor self{node.system()};
  bool ok = false;
  self->request(d.handle()->actor(), std::chrono::seconds(10), mn::actors::dstats_atom::value)
    .receive(
      [&](uint64_t b, uint64_t o) {
        batches = b;
        ops = o;
        ok = true;
      },
      [&](caf::error& e) {
        std::cerr << "dstats request failed: " << node.system().render(e) << "\n";
      });
  return ok;
}

struct commit_count {
  uint64_t batches = 0;
  uint64_t ops = 0;
  bool valid = true;
  void print(const char* who) const {
    if (valid && batches > 0)
      std::printf("  group commit (%s): %llu commits, %llu write ops, average batch %.1f ops\n",
                  who, static_cast<unsigned long long>(batches),
                  static_cast<unsigned long long>(ops),
                  static_cast<double>(ops) / static_cast<double>(batches));
  }
};

// Wraps `fn` so that the dict actor's commits during each run are counted.
side_fn counting_commits(mn::node& node, const mn::dict& d, commit_count& cc, side_fn fn) {
  return [&node, d, &cc, fn](double secs, sample& out) {
    uint64_t b0 = 0, o0 = 0, b1 = 0, o1 = 0;
    bool ok = dict_stats(node, d, b0, o0);
    fn(secs, out);
    ok = dict_stats(node, d, b1, o1) && ok;
    if (!ok) {
      cc.valid = false;
      return;
    }
    cc.batches += b1 - b0;
    cc.ops += o1 - o0;
  };
}

// -- the 64 requester actors -------------------------------------------------------

struct actor_phase {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t running = 0;
  std::string first_error; // guarded by mu
  std::vector<std::vector<uint32_t>> lat;
};

// One requester: issues its next request in the callback of the previous one,
// until the phase's stop flag is set; then quits.
class requester : public std::enable_shared_from_this<requester> {
public:
  requester(caf::event_based_actor* self, mn::dict d, std::shared_ptr<actor_phase> ph,
            std::size_t id, uint64_t nkeys, mn::value val, bool hot, uint64_t seed)
    : self_(self), ad_(self, std::move(d)), ph_(std::move(ph)), id_(id), nkeys_(nkeys),
      val_(std::move(val)), hot_(hot), rng_{seed}, key_(key_bytes, '0') {}

  void next() {
    if (ph_->stop.load(std::memory_order_relaxed)) {
      finish();
      return;
    }
    auto me = shared_from_this();
    auto t0 = clk::now();
    auto on_err = [me](const mn::failure& f) { me->failed(f); };
    if (hot_) {
      ad_.increment("hot", 1, [me, t0](mn::value) { me->acked(t0); }, on_err);
    } else {
      make_key(key_, rng_.next() % nkeys_);
      ad_.set(key_, val_, [me, t0] { me->acked(t0); }, on_err);
    }
  }

private:
  void acked(clk::time_point t0) {
    ph_->lat[id_].push_back(ns_between(t0, clk::now()));
    ph_->acked.fetch_add(1, std::memory_order_relaxed);
    next();
  }

  void failed(const mn::failure& f) {
    ph_->errors.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> guard{ph_->mu};
      if (ph_->first_error.empty())
        ph_->first_error = std::string(mn::to_string(f.code)) + ": " + f.message;
    }
    finish(); // do not spin on a failing dict
  }

  void finish() {
    if (done_)
      return;
    done_ = true;
    self_->quit();
    std::lock_guard<std::mutex> guard{ph_->mu};
    --ph_->running;
    ph_->cv.notify_all();
  }

  caf::event_based_actor* self_;
  mn::async_dict ad_;
  std::shared_ptr<actor_phase> ph_;
  std::size_t id_;
  uint64_t nkeys_;
  mn::value val_;
  bool hot_;
  rng rng_;
  std::string key_;
  bool done_ = false;
};

// Totals of the concurrent runs of a phase, beyond the sample.
struct conc_totals {
  uint64_t acked = 0; // every acknowledged op, including those after the windows
  uint64_t errors = 0;
  std::string first_error;
  bool all_stopped = true;
  uint64_t seed = 1;

  void report(const char* what) const {
    if (errors > 0)
      std::printf("  !! %s: %llu errors, first: %s\n", what,
                  static_cast<unsigned long long>(errors), first_error.c_str());
    if (!all_stopped)
      std::printf("  !! %s: some requesters did not stop within 60 s\n", what);
  }
};

// 64 event-based actors in the node's actor system, each with sequential
// async_dict requests (set of a random key, or increment of "hot"), for `secs`.
void run_actors(mn::node& node, const mn::dict& d, double secs, uint64_t nkeys,
                const mn::value& val, bool hot, sample& out, conc_totals& tot) {
  auto ph = std::make_shared<actor_phase>();
  ph->lat.resize(n_requesters);
  for (auto& v : ph->lat)
    v.reserve(static_cast<std::size_t>(secs * 200000 / n_requesters) + 256);
  ph->running = n_requesters;
  auto start = clk::now();
  for (std::size_t i = 0; i < n_requesters; ++i) {
    uint64_t seed = tot.seed++ * 0x1000193ULL;
    node.system().spawn([=](caf::event_based_actor* self) -> caf::behavior {
      auto w = std::make_shared<requester>(self, d, ph, i, nkeys, val, hot, seed);
      w->next();
      return {[w](caf::ok_atom) {}}; // never used: the actor lives on its callbacks
    });
  }
  std::this_thread::sleep_until(start + as_duration(secs));
  uint64_t in_window = ph->acked.load();
  auto end = clk::now();
  ph->stop = true;
  bool stopped;
  {
    std::unique_lock<std::mutex> guard{ph->mu};
    // In-flight requests end within the node's request timeout (10 s).
    stopped = ph->cv.wait_for(guard, std::chrono::seconds(60), [&] { return ph->running == 0; });
    if (tot.first_error.empty())
      tot.first_error = ph->first_error;
  }
  if (stopped) { // else the actors still own their vectors
    for (auto& v : ph->lat) {
      out.lat.insert(out.lat.end(), v.begin(), v.end());
      std::vector<uint32_t>{}.swap(v);
    }
  }
  out.ops += in_window;
  out.secs += secs_between(start, end);
  tot.acked += ph->acked.load();
  tot.errors += ph->errors.load();
  tot.all_stopped = tot.all_stopped && stopped;
}

// 64 plain threads, each a loop of blocking dict::set of random keys, for `secs`.
void run_threads(mn::dict d, double secs, uint64_t nkeys, const mn::value& val,
                 sample& out, conc_totals& tot) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mu;
  std::vector<std::vector<uint32_t>> lats(n_requesters);
  std::vector<std::thread> threads;
  auto start = clk::now();
  for (std::size_t t = 0; t < n_requesters; ++t) {
    lats[t].reserve(static_cast<std::size_t>(secs * 100000 / n_requesters) + 256);
    uint64_t seed = tot.seed++ * 0x1000193ULL;
    threads.emplace_back([&, t, seed] {
      rng r{seed};
      std::string key(key_bytes, '0');
      while (!stop.load(std::memory_order_relaxed)) {
        make_key(key, r.next() % nkeys);
        auto t0 = clk::now();
        try {
          d.set(key, val);
        } catch (const mn::error& e) {
          errors.fetch_add(1);
          std::lock_guard<std::mutex> guard{mu};
          if (tot.first_error.empty())
            tot.first_error = std::string(e.name()) + ": " + e.what();
          break;
        }
        lats[t].push_back(ns_between(t0, clk::now()));
        acked.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_until(start + as_duration(secs));
  uint64_t in_window = acked.load();
  auto end = clk::now();
  stop = true;
  for (auto& th : threads)
    th.join();
  for (auto& v : lats)
    out.lat.insert(out.lat.end(), v.begin(), v.end());
  out.ops += in_window;
  out.secs += secs_between(start, end);
  tot.acked += acked.load();
  tot.errors += errors.load();
}

// -- diagnostics of the blocking path ------------------------------------------------

// Blocking request/answer with the dict actor that writes nothing (dstats):
// what dict::set pays on top of the commit. `fresh`: a new scoped_actor per
// call, as detail::dict_handle::call does; else one reused scoped_actor.
stats blocking_roundtrip(mn::node& node, const mn::dict& d, double secs, bool fresh) {
  auto target = d.handle()->actor();
  std::optional<caf::scoped_actor> reused;
  if (!fresh)
    reused.emplace(node.system());
  uint64_t failures = 0;
  sample s;
  s.lat.reserve(static_cast<std::size_t>(secs * 50000) + 1024);
  timed_loop(secs, s, 1, [&] {
    std::optional<caf::scoped_actor> local;
    caf::scoped_actor* self = fresh ? &local.emplace(node.system()) : &*reused;
    (*self)
      ->request(target, std::chrono::seconds(10), mn::actors::dstats_atom::value)
      .receive([](uint64_t, uint64_t) {}, [&](caf::error&) { ++failures; });
  });
  if (failures > 0)
    die("dstats round trip failed " + std::to_string(failures) + " times");
  return s.summary();
}

} // namespace


int main(int argc, char** argv) {
  std::string dir;
  uint64_t nkeys = 1000000;
  double seconds = 3;
  std::size_t sched_threads = 0;
  po::options_description desc{"dict_bench: the core dict vs raw LMDB, side by side"};
  desc.add_options()("help,h", "this help")(
    "dir", po::value<std::string>(&dir)->required(),
    "work directory (required, fresh): DIR/raw for raw LMDB, DIR/node for the mn::node")(
    "keys", po::value<uint64_t>(&nkeys)->default_value(nkeys), "number of keys")(
    "seconds", po::value<double>(&seconds)->default_value(seconds),
    "duration of each side of each timed phase")("quick", "smoke run: keys=20000, seconds=0.5")(
    "scheduler-threads", po::value<std::size_t>(&sched_threads)->default_value(0),
    "mn::node_options::scheduler_threads (0 = the node's default)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "dict_bench: " << mn::option_error_message(e, mn::any_percent(argc, argv)) << "\n"
              << desc << "\n";
    return 1;
  }
  if (vm.count("quick")) {
    if (vm["keys"].defaulted())
      nkeys = 20000;
    if (vm["seconds"].defaulted())
      seconds = 0.5;
  }
  if (nkeys == 0 || !(seconds > 0)) {
    std::cerr << "dict_bench: --keys and --seconds must be positive\n";
    return 1;
  }

  int exit_code = 0;
  try {
    fs::create_directories(fs::path(dir) / "raw");
    fs::create_directories(fs::path(dir) / "node");
    if (fs::exists(fs::path(dir) / "raw" / "data.mdb") || !fs::is_empty(fs::path(dir) / "node"))
      die("work directory " + dir + " is not fresh: remove it first");

    const std::string raw_val(value_bytes, 'v');
    const mn::value mn_val = std::string(value_bytes - 2, 'v'); // msgpack str8: 2 + 98 bytes
    if (auto enc = mn::value::to_msgpack(mn_val); enc.size() != value_bytes)
      die("mn value encodes to " + std::to_string(enc.size()) + " bytes, not 100");

    utsname un{};
    uname(&un);
    std::printf("dict_bench: %llu keys (16 B), values 100 B, %.2f s per side of each timed "
                "phase,\n  run as interleaved slices A B B A A B B A (A = anchor, B = mn)\n",
                static_cast<unsigned long long>(nkeys), seconds);
    std::printf("machine: %u hardware threads, kernel %s\n", std::thread::hardware_concurrency(),
                un.release);

    raw_env raw{(fs::path(dir) / "raw").string()};
    mn::node_options opts;
    opts.data_dir = (fs::path(dir) / "node").string();
    opts.scheduler_threads = sched_threads;
    auto node = std::make_unique<mn::node>(opts);
    auto d = node->get_dict("bench");
    std::printf("mn::node: %s options (durability=sync), CAF scheduler threads=%zu\n\n",
                sched_threads == 0 ? "default" : "default but scheduler_threads",
                node->system().scheduler().num_workers());
    print_header();

    auto reserve_for = [&](double rate) {
      return static_cast<std::size_t>(seconds * rate) + 1024;
    };

    // a. fill (one pass each, not interleaved) ------------------------------------
    {
      std::string kbuf(key_bytes, '0');
      sample rs, ms;
      std::vector<uint64_t> ids;
      ids.reserve(fill_chunk);
      auto start = clk::now();
      for (uint64_t first = 0; first < nkeys; first += fill_chunk) {
        ids.clear();
        for (uint64_t i = first; i < std::min(nkeys, first + fill_chunk); ++i)
          ids.push_back(i);
        auto t0 = clk::now();
        raw.put_commit(ids, raw_val, kbuf);
        rs.lat.push_back(ns_between(t0, clk::now()));
      }
      rs.ops = nkeys;
      rs.secs = secs_between(start, clk::now());

      std::vector<std::pair<std::string, mn::value>> items;
      items.reserve(fill_chunk);
      start = clk::now();
      for (uint64_t first = 0; first < nkeys; first += fill_chunk) {
        items.clear();
        for (uint64_t i = first; i < std::min(nkeys, first + fill_chunk); ++i)
          items.emplace_back(key_of(i), mn_val);
        auto t0 = clk::now();
        d.set_many(items);
        ms.lat.push_back(ns_between(t0, clk::now()));
      }
      ms.ops = nkeys;
      ms.secs = secs_between(start, clk::now());
      add_row({"a. fill (keys/s; latency = one 10k-key commit)", "dict::set_many, 10k/chunk",
               ms.summary(), "raw 10k puts/commit", rs.summary(), "", 0});
      if (d.size() != nkeys || raw.entries() != nkeys)
        die("fill: expected " + std::to_string(nkeys) + " keys, mn has "
            + std::to_string(d.size()) + ", raw has " + std::to_string(raw.entries()));
    }

    // b. random get ---------------------------------------------------------------
    {
      // Untimed warm-up of both: read every key once, so that neither side pays
      // the first-touch page faults of its memory map inside the timed loop.
      uint64_t raw_seen = raw.scan();
      uint64_t mn_seen = 0;
      for (auto& k : d.keys())
        mn_seen += k.size() == key_bytes;
      if (raw_seen != nkeys || mn_seen != nkeys)
        die("warm-up scan: raw saw " + std::to_string(raw_seen) + " keys, mn "
            + std::to_string(mn_seen));

      rng rr{1}, mr{1};
      std::string rkey(key_bytes, '0'), mkey(key_bytes, '0');
      uint64_t missing = 0;
      std::size_t sink = 0;
      sample rs, ms;
      rs.lat.reserve(reserve_for(2e6));
      ms.lat.reserve(reserve_for(1.5e6));
      paired(
        seconds,
        [&](double t, sample& out) {
          timed_loop(t, out, 1, [&] {
            make_key(rkey, rr.next() % nkeys);
            std::string v; // a fresh copy per get, as the mn path makes
            if (!raw.get(rkey, v))
              ++missing;
            sink += v.size();
          });
        },
        rs,
        [&](double t, sample& out) {
          timed_loop(t, out, 1, [&] {
            make_key(mkey, mr.next() % nkeys);
            auto v = d.get(mkey);
            if (!v)
              ++missing;
            else
              sink += v->get_ref<const std::string&>().size();
          });
        },
        ms);
      if (missing > 0)
        die("get: " + std::to_string(missing) + " keys missing");
      if (sink == 0)
        die("get: nothing read");
      add_row({"b. random get, 1 thread", "dict::get (local fast path)", ms.summary(),
               "raw RDONLY txn per get", rs.summary(), "mn >= 50% of raw", 0.5});
    } // the latency vectors are freed here, before the memory reading

    // g. memory after the get phase, N-key dict open ------------------------------
    long rss_anon_kib = proc_status_kib("RssAnon");
    long rss_file_kib = proc_status_kib("RssFile");
    bool mem_ok = rss_anon_kib >= 0 && rss_anon_kib < 64 * 1024;
    std::printf("g. memory after the get phase (%llu-key dict open; the raw env is open too)\n",
                static_cast<unsigned long long>(nkeys));
    std::printf("  RssAnon %.1f MiB, RssFile %.1f MiB (the LMDB maps of both envs) | goal: "
                "RssAnon < 64 MiB at 1M keys  %s\n",
                rss_anon_kib / 1024.0, rss_file_kib / 1024.0, mem_ok ? "MET" : "MISSED");
    std::fflush(stdout);

    // c. durable set, 1 requester -------------------------------------------------
    stats raw1;
    {
      rng rr{2}, mr{2};
      std::string kbuf(key_bytes, '0'), mkey(key_bytes, '0');
      std::vector<uint64_t> ids(1);
      sample rs, ms;
      rs.lat.reserve(reserve_for(5e3));
      ms.lat.reserve(reserve_for(5e3));
      paired(
        seconds,
        [&](double t, sample& out) {
          timed_loop(t, out, 1, [&] {
            ids[0] = rr.next() % nkeys;
            raw.put_commit(ids, raw_val, kbuf);
          });
        },
        rs,
        [&](double t, sample& out) {
          timed_loop(t, out, 1, [&] {
            make_key(mkey, mr.next() % nkeys);
            d.set(mkey, mn_val);
          });
        },
        ms);
      raw1 = rs.summary();
      auto mn1 = ms.summary();
      add_row({"c. durable set, 1 requester", "dict::set (blocking)", mn1,
               "raw 1 put/synced commit", raw1, "", 0});
      // Where the blocking path's extra time goes (no commit involved).
      double dsecs = std::min(seconds, 1.0);
      auto rt_fresh = blocking_roundtrip(*node, d, dsecs, true);
      auto rt_reused = blocking_roundtrip(*node, d, dsecs, false);
      std::printf("  extra time of dict::set over raw, p50: %s; a blocking round trip to the "
                  "dict actor with no write\n  (dstats): p50 %s p99 %s with a fresh "
                  "scoped_actor per call (as dict::set), p50 %s p99 %s reusing one\n",
                  fmt_us(mn1.p50_us - raw1.p50_us).c_str(), fmt_us(rt_fresh.p50_us).c_str(),
                  fmt_us(rt_fresh.p99_us).c_str(), fmt_us(rt_reused.p50_us).c_str(),
                  fmt_us(rt_reused.p99_us).c_str());
    }

    // d. durable set, 64 concurrent requesters --------------------------------------
    {
      rng rr{3};
      std::string kbuf(key_bytes, '0');
      std::vector<uint64_t> ids(n_requesters);
      sample rs, ms;
      rs.lat.reserve(reserve_for(1e3));
      ms.lat.reserve(reserve_for(50e3));
      conc_totals tot;
      commit_count cc;
      paired(
        seconds,
        [&](double t, sample& out) {
          timed_loop(t, out, n_requesters, [&] {
            for (auto& i : ids)
              i = rr.next() % nkeys;
            raw.put_commit(ids, raw_val, kbuf);
          });
        },
        rs,
        counting_commits(*node, d, cc,
                         [&](double t, sample& out) {
                           run_actors(*node, d, t, nkeys, mn_val, false, out, tot);
                         }),
        ms);
      auto mn64 = ms.summary();
      add_row({"d. durable set, 64 requesters (raw latency = one 64-put commit)",
               "64 actors, async_dict::set", mn64, "raw 64 puts/synced commit", rs.summary(),
               "mn >= 50% of raw(64)", 0.5});
      add_row({"d'. same, against 1 put per commit (from c)", "64 actors, async_dict::set",
               mn64, "raw 1 put/synced commit", raw1, "mn >= 10x raw(1)", 10.0});
      cc.print("mn, 64 actors");
      tot.report("d");
    }

    // e. hot-key increment, 64 requesters -------------------------------------------
    {
      sample rs, ms;
      rs.lat.reserve(reserve_for(2e3));
      ms.lat.reserve(reserve_for(100e3));
      conc_totals tot;
      commit_count cc;
      d.set("hot", 0);
      paired(
        seconds,
        [&](double t, sample& out) {
          timed_loop(t, out, n_requesters, [&] { raw.increment_commit("hot", n_requesters); });
        },
        rs,
        counting_commits(*node, d, cc,
                         [&](double t, sample& out) {
                           run_actors(*node, d, t, nkeys, mn_val, true, out, tot);
                         }),
        ms);
      add_row({"e. hot-key increment, 64 requesters (raw latency = one 64-incr commit)",
               "64 actors, async_dict::increment", ms.summary(), "raw 64 incr/synced commit",
               rs.summary(), "", 0});
      cc.print("mn, 64 actors");
      tot.report("e");
      auto v = d.get("hot");
      bool ok = v && v->is_number_integer()
                && v->get<int64_t>() == static_cast<int64_t>(tot.acked) && tot.all_stopped;
      std::printf("  check: hot = %s, acknowledged increments = %llu  %s\n",
                  v ? v->dump().c_str() : "(missing)", static_cast<unsigned long long>(tot.acked),
                  ok ? "OK" : "MISMATCH");
      if (!ok)
        exit_code = 2;
    }

    // f. blocking dict::set from 64 plain threads, against the actors of d ----------
    {
      sample as, ts;
      as.lat.reserve(reserve_for(50e3));
      ts.lat.reserve(reserve_for(50e3));
      conc_totals atot, ttot;
      commit_count acc, tcc;
      paired(
        seconds,
        counting_commits(*node, d, acc,
                         [&](double t, sample& out) {
                           run_actors(*node, d, t, nkeys, mn_val, false, out, atot);
                         }),
        as,
        counting_commits(*node, d, tcc,
                         [&](double t, sample& out) {
                           run_threads(d, t, nkeys, mn_val, out, ttot);
                         }),
        ts);
      add_row({"f. blocking dict::set, 64 std::threads (anchor: d's actors, re-run)",
               "64 threads, dict::set", ts.summary(), "mn 64 actors, async_dict", as.summary(),
               "", 0});
      tcc.print("mn, 64 threads");
      acc.print("mn, 64 actors");
      atot.report("f (actors)");
      ttot.report("f (threads)");
    }

    // summary ------------------------------------------------------------------------
    std::printf("\nsummary (ratios measured side by side, interleaved, in this run)\n");
    int met = 0, missed = 0;
    for (auto& r : rows) {
      if (!r.has_goal())
        continue;
      std::printf("  %-44s %-24s %9.2fx  %s\n", r.phase.substr(0, r.phase.find(" (")).c_str(),
                  r.goal.c_str(), r.ratio(), r.met() ? "MET" : "MISSED");
      (r.met() ? met : missed)++;
    }
    std::printf("  %-44s %-24s %6.1f MiB  %s\n", "g. memory, RssAnon after the get phase",
                "RssAnon < 64 MiB", rss_anon_kib / 1024.0, mem_ok ? "MET" : "MISSED");
    (mem_ok ? met : missed)++;
    std::printf("  %-44s %-24s %10s  %s\n", "e. hot-key increment check", "value == acked", "",
                exit_code == 0 ? "OK" : "MISMATCH");
    std::printf("  goals met: %d, missed: %d\n", met, missed);
    std::fflush(stdout);

    auto t0 = clk::now();
    d = mn::dict{};
    node.reset(); // commits and answers every accepted write, stops all actors
    std::printf("node stopped in %.1f ms\n", secs_between(t0, clk::now()) * 1000);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dict_bench: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
