// function_bench: mn functions (issue 4) side by side with a plain-CAF floor,
// in one run (see BENCHMARKS.md, "Functions (issue 4)"; bench/function_run.sh
// starts the serving nodes and runs the client).
//
//   function_bench --serve --echo-port P [node options: --name, --listen, --peer, --data-dir, ...]
//       an mn::node that registers `noop` (returns its argument) and `square`,
//       the job `noopjob` (returns its input), and publishes a plain CAF echo
//       actor ([](int64_t x) { return x; }) on 127.0.0.1:P (0 = any). Prints
//       "ready fast=<fast-path port> echo=<port>", then runs until its stdin
//       closes or SIGTERM/SIGINT; exits 0.
//
//   function_bench --node HOST:PORT --echo HOST:PORT [--echo HOST:PORT ...]
//                  [--phase P] [--seconds S] [--window W] [--map-n N] [--map-reps R]
//                  [node options for the client: --threads, --scheduler-policy, ...]
//   Phases ("all" = each in this order):
//     call1    1 thread, blocking function("noop").call(i)                      } interleaved
//     caf1     the floor: 1 thread, blocking request from a caf::scoped_actor   } call1, caf1,
//              of client.system() to the echo actor of the first --echo         } caf1, call1
//     async    call_async with W futures outstanding (oldest awaited first)     } interleaved
//     cafasync the floor: one event-based actor of client.system() keeping W   } async, cafasync,
//              requests in flight to the first echo actor                       } cafasync, async
//     map      function("noop").map(N small integers), R times (results checked),
//              each followed by the floor:
//     cafmap   N requests from one event-based actor to every --echo actor, W in
//              flight per actor (what mn's map does per node, with 64)
//     cafmapb  info: the same inputs sent as 1,000-input batches (one 9,000-byte
//              string per request, 4 in flight per actor): what batching would buy
//     job      1 thread, sequential: id = job("noopjob").start(i), then get(id)
//              every 200 µs until SUCCEEDED (10 s deadline per job; FAILED,
//              CANCELLED, a wrong result or the deadline count as errors);
//              latency = start() called -> SUCCEEDED seen. The records are
//              removed (remove(id)) after each slice, outside the timing.
//              Interleaved with its anchors: job, jobcall1, jobset, jobset, jobcall1, job
//     jobcall1 anchor: blocking function("noop").call(i), as call1
//     jobset   info: blocking dict::set on a dict owned by the node that owns
//              "__jobs" (one synced write round trip from the client)
// Each slice prints  RESULT phase=... ops=... secs=... ops_s=... p50_us=... p99_us=... errors=...
// (p50/p99 of the single calls; for map/cafmap p50_us/p99_us are empty). A job
// slice also prints  JOBSPLIT n=... create_start_ms=... start_finish_ms=... finish_seen_ms=...
// (means, from the record's Unix-ms "created", "started", "finished" and the
// client's clock when it saw SUCCEEDED) and  JOBCLEAN removed=... of=...  (the
// warm-up's only when a record could not be removed).
// Exit status: 0 ok; 1 a failed call or job, or a wrong result; 2 usage.
#include "bench_process.hpp"
#include <mn/mn.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <boost/program_options.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;
using clk = std::chrono::steady_clock;

namespace {

double us_since(clk::time_point t0) {
  return std::chrono::duration<double, std::micro>(clk::now() - t0).count();
}

struct slice {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double secs = 0;
  std::vector<double> lat_us;
};

void report(const std::string& phase, slice& s) {
  double p50 = NAN, p99 = NAN;
  if (!s.lat_us.empty()) {
    std::sort(s.lat_us.begin(), s.lat_us.end());
    p50 = s.lat_us[s.lat_us.size() / 2];
    p99 = s.lat_us[std::min(s.lat_us.size() - 1, s.lat_us.size() * 99 / 100)];
  }
  double ops_s = s.secs > 0 ? static_cast<double>(s.ops) / s.secs : 0;
  std::printf("RESULT phase=%s ops=%llu secs=%.3f ops_s=%.0f p50_us=%.1f p99_us=%.1f errors=%llu\n",
              phase.c_str(), static_cast<unsigned long long>(s.ops), s.secs, ops_s, p50, p99,
              static_cast<unsigned long long>(s.errors));
  std::fflush(stdout);
}

// -- serve ------------------------------------------------------------------------

caf::behavior echo(caf::event_based_actor*) {
  return {[](int64_t x) { return x; }, [](const std::string& x) { return x; }};
}

int serve(int argc, char** argv, const std::vector<std::string>& extra) {
  uint16_t echo_port = 0;
  {
    po::options_description desc{"serve"};
    desc.add_options()("serve", "")("echo-port", po::value(&echo_port), "");
    po::variables_map vm;
    po::store(po::command_line_parser(extra).options(desc).run(), vm);
    po::notify(vm);
  }
  // SIGTERM/SIGINT/SIGUSR1 (stdin closed) are taken by sigwait below; every
  // thread started from here on inherits the mask.
  auto sigs = bench::block_stop_signals();

  mn::node_options defaults;
  defaults.listen = "127.0.0.1:4242";
  auto opts = mn::node_options::from_command_line(argc, argv, defaults);
  int rc = 0;
  {
    mn::node node{opts};
    node.register_function("noop", [](const mn::value& x) { return x; });
    node.register_function("square",
                           [](const mn::value& x) { return x.get<int64_t>() * x.get<int64_t>(); });
    node.register_job("noopjob", [](mn::job_context&, const mn::value& x) { return x; });
    auto& sys = node.system();
    auto e = sys.spawn(echo);
    auto port = sys.middleman().publish(e, echo_port, "127.0.0.1", true);
    if (!port) {
      std::cerr << "function_bench: cannot publish the echo actor: " << sys.render(port.error())
                << "\n";
      caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
      return 1;
    }
    std::printf("ready fast=%u echo=%u\n", node.fast_path_port(), *port);
    std::fflush(stdout);
    bench::wait_for_stop("function_bench", sigs);
    sys.middleman().unpublish(e, *port);
    caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  }
  std::fprintf(stderr, "function_bench: stopped\n");
  return rc;
}

// -- client -------------------------------------------------------------------------

// Blocking calls from one thread for `secs`.
template <class F>
slice sequential(double secs, F&& one) {
  slice s;
  auto t0 = clk::now();
  auto end = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
  int64_t i = 0;
  while (clk::now() < end) {
    auto c0 = clk::now();
    if (one(i++))
      ++s.ops;
    else
      ++s.errors;
    s.lat_us.push_back(us_since(c0));
  }
  s.secs = us_since(t0) / 1e6;
  return s;
}

slice caf_blocking(caf::actor_system& sys, const caf::actor& target, double secs) {
  caf::scoped_actor self{sys};
  return sequential(secs, [&](int64_t i) {
    bool ok = false;
    self->request(target, std::chrono::seconds(10), i)
      .receive([&](int64_t r) { ok = r == i; }, [&](caf::error&) { ok = false; });
    return ok;
  });
}

slice mn_blocking(const mn::function_handle& f, double secs) {
  return sequential(secs, [&](int64_t i) {
    try {
      return f.call(mn::value(i)).get<int64_t>() == i;
    } catch (const mn::error&) {
      return false;
    }
  });
}

slice mn_async(const mn::function_handle& f, double secs, std::size_t window) {
  slice s;
  std::deque<std::pair<clk::time_point, std::pair<int64_t, std::future<mn::value>>>> q;
  auto t0 = clk::now();
  auto end = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
  int64_t i = 0;
  auto collect = [&] {
    auto& [c0, p] = q.front();
    try {
      if (p.second.get().get<int64_t>() == p.first)
        ++s.ops;
      else
        ++s.errors;
    } catch (const mn::error&) {
      ++s.errors;
    }
    s.lat_us.push_back(us_since(c0));
    q.pop_front();
  };
  while (clk::now() < end) {
    while (q.size() < window) {
      q.emplace_back(clk::now(), std::make_pair(i, f.call_async(mn::value(i))));
      ++i;
    }
    collect();
  }
  while (!q.empty())
    collect();
  s.secs = us_since(t0) / 1e6;
  return s;
}

// One event-based actor keeping `window` requests in flight to each target,
// until `total` requests were answered (total > 0) or for `secs`.
struct pipe_result {
  slice s;
};
using done_atom = caf::atom_constant<caf::atom("done")>;
using go_atom = caf::atom_constant<caf::atom("go")>;

caf::behavior piper(caf::event_based_actor* self, std::vector<caf::actor> targets,
                    std::size_t window, uint64_t total, double secs, std::size_t batch,
                    std::shared_ptr<pipe_result> out, caf::actor parent) {
  struct st_t {
    std::vector<std::size_t> busy;
    uint64_t sent = 0;
    clk::time_point t0, end;
    bool finished = false;
  };
  auto st = std::make_shared<st_t>();
  st->busy.assign(targets.size(), 0);
  auto pump = std::make_shared<std::function<void()>>();
  *pump = [=] {
    bool more = total > 0 ? st->sent < total : clk::now() < st->end;
    std::size_t in_flight = 0;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      while (more && st->busy[t] < window) {
        ++st->busy[t];
        int64_t i = static_cast<int64_t>(st->sent++);
        auto c0 = clk::now();
        if (batch > 1) { // `batch` inputs as one message: a string of batch 9-byte encodings
          st->sent += batch - 1;
          self->request(targets[t], std::chrono::seconds(30), std::string(batch * 9, 'x'))
            .then(
              [=](std::string& r) {
                --st->busy[t];
                if (r.size() == batch * 9)
                  out->s.ops += batch;
                else
                  out->s.errors += batch;
                (*pump)();
              },
              [=](caf::error&) {
                --st->busy[t];
                out->s.errors += batch;
                (*pump)();
              });
          more = total > 0 ? st->sent < total : clk::now() < st->end;
          continue;
        }
        self->request(targets[t], std::chrono::seconds(30), i)
          .then(
            [=](int64_t r) {
              --st->busy[t];
              if (r == i)
                ++out->s.ops;
              else
                ++out->s.errors;
              if (total == 0)
                out->s.lat_us.push_back(us_since(c0));
              (*pump)();
            },
            [=](caf::error&) {
              --st->busy[t];
              ++out->s.errors;
              (*pump)();
            });
        more = total > 0 ? st->sent < total : clk::now() < st->end;
      }
      in_flight += st->busy[t];
    }
    if (!more && in_flight == 0 && !st->finished) {
      st->finished = true;
      out->s.secs = us_since(st->t0) / 1e6;
      self->send(parent, done_atom::value);
      self->quit();
    }
  };
  return {[=](go_atom) {
    st->t0 = clk::now();
    st->end = st->t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
    (*pump)();
  }};
}

slice caf_pipelined(caf::actor_system& sys, const std::vector<caf::actor>& targets,
                    std::size_t window, uint64_t total, double secs, std::size_t batch = 1) {
  auto out = std::make_shared<pipe_result>();
  caf::scoped_actor self{sys};
  auto p = sys.spawn(piper, targets, window, total, secs, batch, out, caf::actor{self});
  self->send(p, go_atom::value);
  bool done = false;
  self->receive([&](done_atom) { done = true; },
                caf::after(std::chrono::seconds(120)) >> [&] {
                  caf::anon_send_exit(p, caf::exit_reason::kill);
                });
  if (!done)
    throw std::runtime_error("cafpipe: no answer within 120 s");
  return std::move(out->s);
}

slice mn_map(const mn::function_handle& f, std::size_t n) {
  std::vector<mn::value> inputs;
  inputs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    inputs.emplace_back(static_cast<int64_t>(i));
  slice s;
  auto t0 = clk::now();
  try {
    auto out = f.map(inputs);
    s.secs = us_since(t0) / 1e6;
    for (std::size_t i = 0; i < out.size(); ++i)
      if (out[i].get<int64_t>() == static_cast<int64_t>(i))
        ++s.ops;
    s.errors = n - s.ops;
  } catch (const mn::error& e) {
    s.secs = us_since(t0) / 1e6;
    s.errors = n;
    std::fprintf(stderr, "function_bench: map failed: %s\n", e.what());
  }
  return s;
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Sequential jobs for `secs`: start, then poll get() until SUCCEEDED. The ids
// started are appended to `ids` (removed by the caller, outside the timing).
// With `print_split`, prints the JOBSPLIT line of the slice.
slice mn_jobs(const mn::job_handle& job, double secs, std::vector<mn::job_id>& ids,
              bool print_split = true) {
  slice s;
  double split[3] = {0, 0, 0}; // created->started, started->finished, finished->seen (ms)
  uint64_t split_n = 0;
  auto t0 = clk::now();
  auto end = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(secs));
  int64_t i = 0;
  while (clk::now() < end) {
    auto c0 = clk::now();
    auto deadline = c0 + std::chrono::seconds(10);
    bool ok = false;
    try {
      auto id = job.start(mn::value(i));
      ids.push_back(id);
      for (;;) {
        auto r = job.get(id);
        if (r.status == mn::job_status::succeeded) {
          auto seen = unix_ms();
          ok = r.result.get<int64_t>() == i;
          if (ok) {
            split[0] += static_cast<double>(r.started_ms - r.created_ms);
            split[1] += static_cast<double>(r.finished_ms - r.started_ms);
            split[2] += static_cast<double>(seen - r.finished_ms);
            ++split_n;
          }
          break;
        }
        if (r.status == mn::job_status::failed || r.status == mn::job_status::cancelled) {
          std::fprintf(stderr, "function_bench: job %s ended %s: %s\n", id.c_str(),
                       mn::to_string(r.status), r.error.c_str());
          break;
        }
        if (clk::now() >= deadline) {
          std::fprintf(stderr, "function_bench: job %s still %s after 10 s\n", id.c_str(),
                       mn::to_string(r.status));
          break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    } catch (const mn::error& e) {
      std::fprintf(stderr, "function_bench: job %lld: %s\n", static_cast<long long>(i), e.what());
    }
    ++i;
    if (ok) {
      ++s.ops;
      s.lat_us.push_back(us_since(c0));
    } else {
      ++s.errors;
    }
  }
  s.secs = us_since(t0) / 1e6;
  if (print_split && split_n > 0)
    std::printf("JOBSPLIT n=%llu create_start_ms=%.2f start_finish_ms=%.2f finish_seen_ms=%.2f\n",
                static_cast<unsigned long long>(split_n), split[0] / split_n, split[1] / split_n,
                split[2] / split_n);
  return s;
}

// Removes the records of `ids` (ended jobs); a job still running is cancelled
// instead (its record stays). Prints how many went.
void remove_jobs(const mn::job_handle& job, std::vector<mn::job_id>& ids, bool print = true) {
  std::size_t removed = 0;
  for (auto& id : ids) {
    try {
      if (job.remove(id))
        ++removed;
      else
        job.cancel(id);
    } catch (const mn::error& e) {
      std::fprintf(stderr, "function_bench: remove %s: %s\n", id.c_str(), e.what());
    }
  }
  if (print || removed < ids.size())
    std::printf("JOBCLEAN removed=%zu of=%zu\n", removed, ids.size());
  std::fflush(stdout);
  ids.clear();
}

// Blocking dict::set of a few keys, one synced write per call.
slice dict_sets(mn::dict& d, double secs) {
  return sequential(secs, [&](int64_t i) {
    try {
      d.set("k" + std::to_string(i % 100), mn::value(i));
      return true;
    } catch (const mn::error&) {
      return false;
    }
  });
}

} // namespace

int main(int argc, char** argv) {
  std::string node_addr, phase = "all";
  std::vector<std::string> echo_addrs;
  double seconds = 3;
  std::size_t window = 64, map_n = 100000, map_reps = 3;
  bool serve_mode = false;
  po::options_description desc{
    "function_bench: mn functions vs a plain-CAF floor (other arguments are node options)"};
  desc.add_options()("help,h", "this help")("serve", po::bool_switch(&serve_mode), "serve")(
    "echo-port", po::value<uint16_t>(), "serve: port of the echo actor (0 = any)")(
    "node", po::value(&node_addr), "client: HOST:PORT of a node")(
    "echo", po::value(&echo_addrs), "client: HOST:PORT of an echo actor (repeatable)")(
    "phase", po::value(&phase)->default_value(phase), "all | call1 | async | map | job")(
    "seconds", po::value(&seconds)->default_value(seconds), "seconds per side of a timed phase")(
    "window", po::value(&window)->default_value(window), "calls in flight (async, cafasync, cafmap)")(
    "map-n", po::value(&map_n)->default_value(map_n), "inputs of one map")(
    "map-reps", po::value(&map_reps)->default_value(map_reps), "maps");
  po::variables_map vm;
  std::vector<std::string> node_args;
  if (auto rc = bench::parse_options("function_bench", argc, argv, desc, vm, node_args))
    return *rc;
  std::vector<const char*> nargv{argv[0]};
  for (auto& a : node_args)
    nargv.push_back(a.c_str());
  try {
    if (serve_mode) {
      std::vector<std::string> extra;
      if (vm.count("echo-port"))
        extra = {"--echo-port", std::to_string(vm["echo-port"].as<uint16_t>())};
      return serve(static_cast<int>(nargv.size()), const_cast<char**>(nargv.data()), extra);
    }
    if (node_addr.empty() || echo_addrs.empty() || seconds <= 0 || window == 0) {
      std::cerr << "function_bench: --node and --echo are required\n" << desc;
      return 2;
    }
    auto opts = mn::node_options::from_command_line(static_cast<int>(nargv.size()), nargv.data(),
                                                    mn::node_options{});
    mn::client client{node_addr, opts};
    auto& sys = client.system();
    std::vector<caf::actor> echoes;
    for (auto& a : echo_addrs) {
      std::string host;
      uint16_t port = 0;
      mn::parse_address(a, "--echo", host, port);
      auto h = sys.middleman().remote_actor(host, port);
      if (!h) {
        std::cerr << "function_bench: no echo actor at " << a << ": " << sys.render(h.error())
                  << "\n";
        return 1;
      }
      echoes.push_back(*h);
    }
    auto noop = client.function("noop");
    std::printf("# client of %s; echo actors:", node_addr.c_str());
    for (auto& a : echo_addrs)
      std::printf(" %s", a.c_str());
    std::printf("; %.2f s per slice, window %zu, map %zu x %zu\n", seconds / 2, window, map_n,
                map_reps);
    std::fflush(stdout);
    uint64_t errors = 0;
    auto emit = [&](const std::string& ph, slice s) {
      errors += s.errors;
      report(ph, s);
    };
    // Warm-up: connections, function lookup, both paths.
    mn_blocking(noop, 0.2);
    caf_blocking(sys, echoes[0], 0.2);
    double half = seconds / 2;
    if (phase == "all" || phase == "call1") {
      emit("call1", mn_blocking(noop, half));
      emit("caf1", caf_blocking(sys, echoes[0], half));
      emit("caf1", caf_blocking(sys, echoes[0], half));
      emit("call1", mn_blocking(noop, half));
    }
    if (phase == "all" || phase == "async") {
      emit("async", mn_async(noop, half, window));
      emit("cafasync", caf_pipelined(sys, {echoes[0]}, window, 0, half));
      emit("cafasync", caf_pipelined(sys, {echoes[0]}, window, 0, half));
      emit("async", mn_async(noop, half, window));
    }
    if (phase == "all" || phase == "map") {
      emit("mapwarm", mn_map(noop, 2000));
      for (std::size_t r = 0; r < map_reps; ++r) {
        emit("map", mn_map(noop, map_n));
        emit("cafmap", caf_pipelined(sys, echoes, 64, map_n, 0));
        emit("cafmapb", caf_pipelined(sys, echoes, 4, map_n, 0, 1000));
      }
    }
    if (phase == "all" || phase == "job") {
      auto job = client.job("noopjob");
      // The synced-write probe: a dict owned by the node that owns "__jobs".
      auto jobs_owner = client.owner_of("__jobs");
      std::string probe_name = "jobprobe0";
      for (int k = 0; k < 64; ++k) {
        auto name = "jobprobe" + std::to_string(k);
        if (client.owner_of(name) == jobs_owner) {
          probe_name = name;
          break;
        }
      }
      auto probe = client.get_dict(probe_name);
      std::printf("# jobs: \"__jobs\" owned by %s; probe dict %s owned by %s\n",
                  jobs_owner.c_str(), probe_name.c_str(), client.owner_of(probe_name).c_str());
      std::fflush(stdout);
      std::vector<mn::job_id> ids;
      { // warm-up: the job's function lookup, both dicts
        auto w = mn_jobs(job, 0.2, ids, false);
        remove_jobs(job, ids, false);
        if (w.errors > 0)
          std::fprintf(stderr, "function_bench: %llu job errors in the warm-up\n",
                       static_cast<unsigned long long>(w.errors));
        dict_sets(probe, 0.1);
      }
      emit("job", mn_jobs(job, half, ids));
      remove_jobs(job, ids);
      emit("jobcall1", mn_blocking(noop, half));
      emit("jobset", dict_sets(probe, half));
      emit("jobset", dict_sets(probe, half));
      emit("jobcall1", mn_blocking(noop, half));
      emit("job", mn_jobs(job, half, ids));
      remove_jobs(job, ids);
    }
    return errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "function_bench: " << e.what() << "\n";
    return 1;
  }
}
