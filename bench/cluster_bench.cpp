// cluster_bench: a client process of a multinode cluster, timing blocking
// mn::dict calls on a dict that another process owns (see BENCHMARKS.md,
// "Cluster vs Redis"). bench/cluster_run.sh starts the cluster and Redis and
// runs this program and redis-benchmark side by side, interleaved.
//
//   cluster_bench --node HOST:PORT --dict NAME [--phase P] [--keys N] [--seconds S]
//                 [--clients C] [--quick] [node options: --scheduler-policy, --threads, ...]
//   cluster_bench --node HOST:PORT --owner-of NAME     prints the owner's node name
//
// It uses mn::client: the client asks --node for the membership, then talks to
// the dict's owner directly over the network, so every call here is remote.
// Keys are 16 bytes ("key:%012d", the same as redis-benchmark -r's keys),
// values a 98-char mn::value string whose MessagePack encoding is 100 bytes.
//
// Phases (--phase; "all" = preload then each timed phase once):
//   preload  set_many of keys 0..N-1 in chunks of 5,000
//   get1     1 thread, blocking dict::get of random preloaded keys
//   set1     1 thread, blocking durable dict::set of random keys
//   getN     C threads, blocking gets
//   setN     C threads, blocking durable sets
//   incrN    C threads, blocking dict::increment("hot", 1, 0); the final value
//            must be the value read before plus the acknowledged increments
//   disk     (no cluster; needs --dir) what one durable group commit costs on
//            this disk: a raw LMDB environment of N keys (the library's flags)
//            committing B random 100-byte puts per synced commit, against an
//            append-only file getting B Redis SET records per write + fdatasync
//            (what Redis does with appendfsync always), for B = 1 and C;
//            interleaved L A A L.
// Each timed phase prints one machine-readable line
//   RESULT phase=get1 ops=... secs=... ops_s=... p50_us=... p99_us=... errors=...
// and one line for humans. Latencies: steady_clock around each call; ops/s
// counts only calls completed inside the timed window (after a warm-up).
//
// Exit status: 0 ok; 1 failure (including any failed call); 2 usage;
// 3 increment check failed.
#include "bench_process.hpp"
#include "bench_random.hpp"
#include <mn/mn.hpp>

#include "actors/dict_protocol.hpp"
#include "runtime/detail/dict_handle.hpp"

#include <caf/all.hpp>

#include <boost/program_options.hpp>

#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
using clk = std::chrono::steady_clock;

namespace {

constexpr std::size_t key_bytes = 16;
constexpr std::size_t value_chars = 98; // MessagePack: 2-byte str8 header + 98 = 100 bytes
constexpr std::size_t preload_chunk = 5000;


// "key:%012d" of `i` into `k` (16 chars), without allocating.
void make_key(std::string& k, uint64_t i) {
  k.assign("key:000000000000");
  for (std::size_t p = key_bytes - 1; p >= 4; --p) {
    k[p] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

mn::value bench_value() {
  return mn::value(std::string(value_chars, 'x'));
}

uint32_t ns_between(clk::time_point t0, clk::time_point t1) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  if (ns < 0)
    return 0;
  return ns > static_cast<int64_t>(UINT32_MAX) ? UINT32_MAX : static_cast<uint32_t>(ns);
}

double pct_us(std::vector<uint32_t>& lat, double p) {
  if (lat.empty())
    return NAN;
  std::size_t i = std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()));
  std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(i), lat.end());
  return lat[i] / 1000.0;
}

// -- one timed phase: `threads` threads calling `op` until the deadline ---------

enum class kind { get, set, incr };

struct phase_result {
  uint64_t ops = 0;     // completed inside the window
  uint64_t acked = 0;   // every successful call (incl. after the window)
  uint64_t errors = 0;
  std::string first_error;
  double secs = 0;
  double p50_us = NAN;
  double p99_us = NAN;
};

phase_result run_phase(mn::dict& d, kind k, std::size_t threads, uint64_t nkeys, double seconds,
                       uint64_t seed) {
  const mn::value val = bench_value();
  std::mutex mu;
  std::condition_variable cv;
  std::size_t ready = 0;
  bool go = false;
  clk::time_point t0, deadline;
  std::atomic<uint64_t> errors{0};
  std::string first_error;
  std::vector<std::vector<uint32_t>> lat(threads);
  std::vector<uint64_t> ops(threads, 0), acked(threads, 0);
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      rng r{seed * 1000003 + t};
      std::string key;
      auto& my_lat = lat[t];
      my_lat.reserve(1 << 16);
      {
        std::unique_lock<std::mutex> guard{mu};
        ++ready;
        cv.notify_all();
        cv.wait(guard, [&] { return go; });
      }
      const auto end = deadline;
      for (;;) {
        auto s = clk::now();
        if (s >= end)
          break;
        try {
          switch (k) {
            case kind::get:
              make_key(key, r.next() % nkeys);
              (void) d.get(key);
              break;
            case kind::set:
              make_key(key, r.next() % nkeys);
              d.set(key, val);
              break;
            case kind::incr: (void) d.increment("hot", 1, 0); break;
          }
        } catch (const mn::error& e) {
          errors.fetch_add(1);
          std::lock_guard<std::mutex> guard{mu};
          if (first_error.empty())
            first_error = std::string(e.name()) + ": " + e.what();
          break; // do not spin on a failing cluster
        }
        auto f = clk::now();
        ++acked[t];
        if (f <= end) {
          ++ops[t];
          my_lat.push_back(ns_between(s, f));
        }
      }
    });
  }
  {
    std::unique_lock<std::mutex> guard{mu};
    cv.wait(guard, [&] { return ready == threads; });
    t0 = clk::now();
    deadline = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds));
    go = true;
    cv.notify_all();
  }
  for (auto& th : pool)
    th.join();
  phase_result res;
  std::vector<uint32_t> all;
  for (std::size_t t = 0; t < threads; ++t) {
    res.ops += ops[t];
    res.acked += acked[t];
    all.insert(all.end(), lat[t].begin(), lat[t].end());
  }
  res.errors = errors.load();
  res.first_error = first_error;
  res.secs = seconds;
  res.p50_us = pct_us(all, 0.50);
  res.p99_us = pct_us(all, 0.99);
  return res;
}

// Warm-up: the first call connects to the owner; then `secs` of gets.
void warm_up(mn::dict& d, uint64_t nkeys, double secs) {
  rng r{7};
  std::string key;
  auto end = clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
  do {
    make_key(key, r.next() % nkeys);
    (void) d.get(key);
  } while (clk::now() < end);
}

// (commits, write ops) of the owner's dict actor; false when it did not answer.
bool dict_stats(mn::client& c, const mn::dict& d, uint64_t& batches, uint64_t& ops) {
  caf::scoped_actor self{c.system()};
  bool ok = false;
  self->request(d.handle()->actor(), std::chrono::seconds(10), mn::actors::dstats_atom::value)
    .receive(
      [&](uint64_t b, uint64_t o) {
        batches = b;
        ops = o;
        ok = true;
      },
      [&](caf::error&) {});
  return ok;
}

int64_t read_int(const mn::dict& d, const std::string& key) {
  auto v = d.get(key);
  if (!v)
    return 0;
  if (!v->is_number_integer())
    throw std::runtime_error("key '" + key + "' holds " + v->dump() + ", not an integer");
  return v->get<int64_t>();
}


// -- the disk probe: one durable group commit, LMDB vs an append-only file ------

void check_mdb(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string("raw LMDB: ") + what + ": " + mdb_strerror(rc));
}

struct commit_probe {
  std::vector<uint32_t> lat; // ns per commit
  uint64_t commits = 0;
  double secs = 0;
};

void print_probe(const std::string& name, std::size_t batch, commit_probe& p) {
  double cs = p.commits / p.secs;
  double p50 = pct_us(p.lat, 0.5), p99 = pct_us(p.lat, 0.99);
  std::printf("RESULT phase=%s batch=%zu commits_s=%.1f puts_s=%.1f p50_us=%.1f p99_us=%.1f\n",
              name.c_str(), batch, cs, cs * batch, p50, p99);
  std::printf("  %-10s %3zu puts/commit: %8.0f commits/s %9.0f puts/s  commit p50 %7.1f us  "
              "p99 %7.1f us\n",
              name.c_str(), batch, cs, cs * batch, p50, p99);
  std::fflush(stdout);
}

int disk_probe(const std::string& dir, uint64_t nkeys, std::size_t clients, double seconds,
               uint64_t seed) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/lmdb");
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  check_mdb(mdb_env_create(&env), "mdb_env_create");
  check_mdb(mdb_env_set_mapsize(env, std::size_t{1} << 30), "mdb_env_set_mapsize");
  check_mdb(mdb_env_open(env, (dir + "/lmdb").c_str(), MDB_NOTLS, 0600), "mdb_env_open");
  std::string val(100, 'x'), key;
  auto put_commit = [&](auto&& next_key, std::size_t n) {
    MDB_txn* txn = nullptr;
    check_mdb(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
    if (dbi == 0)
      check_mdb(mdb_dbi_open(txn, nullptr, 0, &dbi), "mdb_dbi_open");
    for (std::size_t i = 0; i < n; ++i) {
      make_key(key, next_key());
      MDB_val k{key.size(), key.data()}, v{val.size(), val.data()};
      if (int rc = mdb_put(txn, dbi, &k, &v, 0)) {
        mdb_txn_abort(txn);
        check_mdb(rc, "mdb_put");
      }
    }
    check_mdb(mdb_txn_commit(txn), "mdb_txn_commit");
  };
  for (uint64_t i = 0; i < nkeys; i += preload_chunk) { // preload, like the dict
    uint64_t j = i;
    put_commit([&] { return j++; }, std::min<uint64_t>(preload_chunk, nkeys - i));
  }
  int aof = ::open((dir + "/appendonly.aof").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0600);
  if (aof < 0)
    throw std::runtime_error("cannot create " + dir + "/appendonly.aof");
  rng r{seed};
  std::string rec, buf;
  auto lmdb_slice = [&](std::size_t batch, double secs, commit_probe& p) {
    auto t0 = clk::now(), end = t0 + std::chrono::duration_cast<clk::duration>(
                                        std::chrono::duration<double>(secs));
    for (auto s = t0; s < end;) {
      put_commit([&] { return r.next() % nkeys; }, batch);
      auto f = clk::now();
      p.lat.push_back(ns_between(s, f));
      ++p.commits;
      s = f;
    }
    p.secs += std::chrono::duration<double>(clk::now() - t0).count();
  };
  auto aof_slice = [&](std::size_t batch, double secs, commit_probe& p) {
    auto t0 = clk::now(), end = t0 + std::chrono::duration_cast<clk::duration>(
                                        std::chrono::duration<double>(secs));
    for (auto s = t0; s < end;) {
      buf.clear();
      for (std::size_t i = 0; i < batch; ++i) { // what Redis appends for one SET
        make_key(key, r.next() % nkeys);
        buf += "*3\r\n$3\r\nSET\r\n$16\r\n" + key + "\r\n$100\r\n" + val + "\r\n";
      }
      if (::write(aof, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())
          || ::fdatasync(aof) != 0)
        throw std::runtime_error("append-only file: write or fdatasync failed");
      auto f = clk::now();
      p.lat.push_back(ns_between(s, f));
      ++p.commits;
      s = f;
    }
    p.secs += std::chrono::duration<double>(clk::now() - t0).count();
  };
  std::printf("# disk probe in %s: LMDB env of %llu keys (MDB_NOTLS, synced commits) vs an "
              "append-only file with write + fdatasync per commit\n",
              dir.c_str(), static_cast<unsigned long long>(nkeys));
  for (std::size_t batch : {std::size_t{1}, clients}) {
    commit_probe l, a;
    double half = seconds / 2;
    lmdb_slice(batch, half, l);
    aof_slice(batch, half, a);
    aof_slice(batch, half, a);
    lmdb_slice(batch, half, l);
    print_probe("disk-lmdb", batch, l);
    print_probe("disk-aof", batch, a);
  }
  ::close(aof);
  mdb_env_close(env);
  return 0;
}

const std::vector<std::string> all_phases = {"get1", "set1", "getN", "setN", "incrN"};

} // namespace

int main(int argc, char** argv) {
  std::string node_addr, dict_name, phase = "all", owner_of, dir;
  uint64_t nkeys = 100000;
  double seconds = 3;
  std::size_t clients = 50;
  uint64_t seed = 0;
  bool quick = false;
  po::options_description desc{
    "cluster_bench: blocking mn::dict calls on a remote dict, one phase at a time\n"
    "(other arguments are node options for the client: --scheduler-policy, --threads,\n"
    " --heartbeat-ms, --request-timeout-ms, ...)"};
  desc.add_options()("help,h", "this help")(
    "node", po::value(&node_addr), "HOST:PORT of an mnode of the cluster (required)")(
    "dict", po::value(&dict_name), "the dict to use (required, except with --owner-of)")(
    "owner-of", po::value(&owner_of), "print the name of the node that owns this dict, exit")(
    "phase", po::value(&phase)->default_value(phase),
    "all | preload | get1 | set1 | getN | setN | incrN | disk")(
    "dir", po::value(&dir), "work directory of --phase disk (no cluster needed)")(
    "keys", po::value(&nkeys)->default_value(nkeys), "preloaded keys")(
    "seconds", po::value(&seconds)->default_value(seconds), "seconds per timed phase")(
    "clients", po::value(&clients)->default_value(clients), "threads of the N phases")(
    "seed", po::value(&seed)->default_value(0), "random seed (0: from the clock)")(
    "quick", po::bool_switch(&quick), "smoke run: 10,000 keys, 0.5 s a phase");
  po::variables_map vm;
  std::vector<std::string> node_args;
  if (auto rc = bench::parse_options("cluster_bench", argc, argv, desc, vm, node_args))
    return *rc;
  if (quick) {
    if (vm["keys"].defaulted())
      nkeys = 10000;
    if (vm["seconds"].defaulted())
      seconds = 0.5;
  }
  if (nkeys == 0 || clients == 0 || seconds <= 0) {
    std::cerr << "cluster_bench: --keys, --clients and --seconds must be positive\n";
    return 2;
  }
  if (seed == 0)
    seed = static_cast<uint64_t>(clk::now().time_since_epoch().count()) | 1;
  if (phase == "disk") {
    if (dir.empty()) {
      std::cerr << "cluster_bench: --phase disk needs --dir\n";
      return 2;
    }
    try {
      return disk_probe(dir, nkeys, clients, seconds, seed);
    } catch (const std::exception& e) {
      std::cerr << "cluster_bench: " << e.what() << "\n";
      return 1;
    }
  }
  if (node_addr.empty() || (dict_name.empty() && owner_of.empty())) {
    std::cerr << "cluster_bench: --node and --dict (or --owner-of) are required\n" << desc;
    return 2;
  }
  std::vector<std::string> phases;
  if (phase == "all") {
    phases.push_back("preload");
    phases.insert(phases.end(), all_phases.begin(), all_phases.end());
  } else if (phase == "preload"
             || std::find(all_phases.begin(), all_phases.end(), phase) != all_phases.end()) {
    phases.push_back(phase);
  } else {
    std::cerr << "cluster_bench: unknown --phase '" << phase << "'\n";
    return 2;
  }

  try {
    // Node options for the client's CAF system (scheduler, heartbeat, timeouts).
    std::vector<const char*> nargv{argv[0]};
    for (auto& a : node_args)
      nargv.push_back(a.c_str());
    auto opts = mn::node_options::from_command_line(static_cast<int>(nargv.size()), nargv.data(),
                                                    mn::node_options{});
    mn::client client{node_addr, opts};
    if (!owner_of.empty()) {
      std::cout << client.owner_of(owner_of) << std::endl;
      return 0;
    }
    auto d = client.get_dict(dict_name);
    auto threads = opts.scheduler_threads != 0 ? opts.scheduler_threads
                                               : std::max(1u, std::thread::hardware_concurrency());
    std::printf("# client: dict '%s' owned by node '%s', via %s; CAF scheduler.policy=%s, "
                "max-threads=%zu, heartbeat %lld ms; keys %llu, %.2f s, %zu clients\n",
                dict_name.c_str(), client.owner_of(dict_name).c_str(), node_addr.c_str(),
                opts.scheduler_policy.c_str(), threads,
                static_cast<long long>(opts.heartbeat_interval.count()),
                static_cast<unsigned long long>(nkeys), seconds, clients);
    std::fflush(stdout);
    int status = 0;
    for (auto& ph : phases) {
      if (ph == "preload") {
        auto val = bench_value();
        auto t0 = clk::now();
        std::vector<std::pair<std::string, mn::value>> items;
        std::string key;
        for (uint64_t i = 0; i < nkeys; i += preload_chunk) {
          items.clear();
          for (uint64_t j = i; j < std::min(nkeys, i + preload_chunk); ++j) {
            make_key(key, j);
            items.emplace_back(key, val);
          }
          d.set_many(items);
        }
        double secs = std::chrono::duration<double>(clk::now() - t0).count();
        auto n = d.size();
        std::printf("RESULT phase=preload ops=%llu secs=%.3f ops_s=%.1f size=%zu\n",
                    static_cast<unsigned long long>(nkeys), secs, nkeys / secs, n);
        std::printf("preload: %llu keys in %.2f s (%.0f keys/s), dict size %zu\n",
                    static_cast<unsigned long long>(nkeys), secs, nkeys / secs, n);
        if (n < nkeys)
          throw std::runtime_error("preload: the dict holds fewer keys than preloaded");
        std::fflush(stdout);
        continue;
      }
      bool multi = ph.back() == 'N';
      std::size_t nthreads = multi ? clients : 1;
      kind k = ph.rfind("get", 0) == 0 ? kind::get : ph.rfind("set", 0) == 0 ? kind::set : kind::incr;
      warm_up(d, nkeys, std::min(0.2, seconds / 4));
      int64_t before = k == kind::incr ? read_int(d, "hot") : 0;
      uint64_t b0 = 0, o0 = 0, b1 = 0, o1 = 0;
      bool stats_ok = k != kind::get && dict_stats(client, d, b0, o0);
      auto r = run_phase(d, k, nthreads, nkeys, seconds, seed++);
      stats_ok = stats_ok && dict_stats(client, d, b1, o1);
      double ops_s = r.ops / r.secs;
      std::string extra;
      if (stats_ok && b1 > b0) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " batch=%.2f", double(o1 - o0) / double(b1 - b0));
        extra += buf;
      }
      bool check_failed = false;
      if (k == kind::incr && r.errors == 0) {
        int64_t after = read_int(d, "hot");
        int64_t expected = before + static_cast<int64_t>(r.acked);
        check_failed = after != expected;
        extra += " incr_before=" + std::to_string(before) + " incr_acked=" + std::to_string(r.acked)
                 + " incr_after=" + std::to_string(after)
                 + (check_failed ? " incr_check=MISMATCH" : " incr_check=ok");
      }
      std::printf("RESULT phase=%s threads=%zu ops=%llu secs=%.3f ops_s=%.1f p50_us=%.1f "
                  "p99_us=%.1f errors=%llu%s\n",
                  ph.c_str(), nthreads, static_cast<unsigned long long>(r.ops), r.secs, ops_s,
                  r.p50_us, r.p99_us, static_cast<unsigned long long>(r.errors), extra.c_str());
      std::printf("%-6s %2zu thread%s: %9.0f ops/s  p50 %7.1f us  p99 %7.1f us%s\n", ph.c_str(),
                  nthreads, nthreads == 1 ? " " : "s", ops_s, r.p50_us, r.p99_us,
                  r.errors ? ("  ERRORS: " + std::to_string(r.errors) + ", first: " + r.first_error)
                               .c_str()
                           : "");
      if (k == kind::incr && r.errors == 0)
        std::printf("incrN check %s: %lld before + %llu acknowledged increments, %s\n",
                    check_failed ? "FAILED" : "ok", static_cast<long long>(before),
                    static_cast<unsigned long long>(r.acked), extra.substr(extra.find("incr_after=")).c_str());
      std::fflush(stdout);
      if (r.errors > 0)
        status = std::max(status, 1);
      if (check_failed) {
        std::fprintf(stderr, "cluster_bench: incrN check failed: the value is not the value "
                             "before plus the acknowledged increments\n");
        status = 3;
      }
    }
    return status;
  } catch (const mn::error& e) {
    std::cerr << "cluster_bench: " << e.name() << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "cluster_bench: " << e.what() << "\n";
    return 1;
  }
}
