// mn_test_workload: one client of a fault or consistency test. An mn::client
// that runs a mixed workload on the given dicts for a while and records every
// operation, one flushed line each, in a history file (tests/support/history.hpp)
// for the checkers.
//
//   mn_test_workload --nodes HOST:PORT,... --dicts D1,D2,... --client N
//                    --duration-ms MS --seed S --history FILE
//                    [--rate OPS_PER_S] [--request-timeout-ms MS] [--connect-timeout-ms MS]
//                    [--stop-on-stdin]  (also stop at a line or end of file on stdin)
//   mn_test_workload --read-all --nodes ... --dicts ... --client N --history FILE
//                    [--keys FILE]      (lines "DICT KEY": read these too)
//
// The workload, in every dict:
//   p<N>_<k>  keys of this client only: set, get, cas, setnx, erase
//   ctr<k>    shared counters: increment (deltas -2..5, from 0), get
//   nx<slot>  shared set_if_absent keys, a new one every 300 ms: setnx, get
//   reg<k>    shared registers: get, set, cas against the value last seen
// Values are self-checking strings (history::make_value). When a dict does
// not answer, the client leaves it alone for a moment; when nothing answers
// for a while, it reconnects through the next node address.
//
// --read-all reads every key of every dict (and those of --keys) through a
// node, retrying each until it answers, and records the reads.
//
// Prints "done ops=N ok=A fail=F unknown=U" at the end; exit code 0, or 1 when
// the arguments are bad, or 2 when --read-all could not read everything.
#include "support/history.hpp"

#include <mn/client.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

namespace h = mn::test::history;
using namespace std::chrono_literals;

namespace {

struct options {
  std::vector<std::string> nodes;
  std::vector<std::string> dicts;
  int client = -1;
  long duration_ms = 5000;
  uint64_t seed = 1;
  std::string history;
  double rate = 0;
  long request_timeout_ms = 1000;
  long connect_timeout_ms = 1000;
  bool read_all = false;
  bool stop_on_stdin = false;
  std::string keys_file;
};

std::atomic<bool> stop_requested{false};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in{s};
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty())
      out.push_back(item);
  return out;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--read-all" || a == "--stop-on-stdin") {
      (a == "--read-all" ? o.read_all : o.stop_on_stdin) = true;
      continue;
    }
    if (i + 1 >= argc)
      throw std::invalid_argument("option " + a + " needs a value");
    std::string v = argv[++i];
    if (a == "--nodes")
      o.nodes = split(v, ',');
    else if (a == "--dicts")
      o.dicts = split(v, ',');
    else if (a == "--client")
      o.client = std::stoi(v);
    else if (a == "--duration-ms")
      o.duration_ms = std::stol(v);
    else if (a == "--seed")
      o.seed = std::stoull(v);
    else if (a == "--history")
      o.history = v;
    else if (a == "--rate")
      o.rate = std::stod(v);
    else if (a == "--request-timeout-ms")
      o.request_timeout_ms = std::stol(v);
    else if (a == "--connect-timeout-ms")
      o.connect_timeout_ms = std::stol(v);
    else if (a == "--keys")
      o.keys_file = v;
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.nodes.empty() || o.dicts.empty() || o.client < 0 || o.history.empty())
    throw std::invalid_argument("--nodes, --dicts, --client and --history are required");
  return o;
}

class session {
public:
  session(const options& o, h::writer& out) : o_(o), out_(out), rng_(o.seed * 1000003 + o.client) {
    next_node_ = static_cast<std::size_t>(o.client) % o.nodes.size();
  }

  // Connects through the next node address that answers; false when none did
  // before `deadline`.
  bool connect(std::chrono::steady_clock::time_point deadline) {
    dicts_.clear();
    client_.reset();
    mn::node_options opts;
    opts.request_timeout = std::chrono::milliseconds(o_.request_timeout_ms);
    opts.connect_timeout = std::chrono::milliseconds(o_.connect_timeout_ms);
    opts.heartbeat_interval = 200ms;
    opts.scheduler_threads = 2;
    while (std::chrono::steady_clock::now() < deadline) {
      auto addr = o_.nodes[next_node_];
      next_node_ = (next_node_ + 1) % o_.nodes.size();
      try {
        client_ = std::make_unique<mn::client>(addr, opts);
        ++connects_;
        return true;
      } catch (const std::exception& e) {
        std::cerr << "workload " << o_.client << ": cannot connect through " << addr << ": "
                  << e.what() << std::endl;
        std::this_thread::sleep_for(100ms);
      }
    }
    return false;
  }

  // Runs `call` as one recorded operation. `call` fills x.result.
  template <class Call>
  h::op run(h::op x, Call call) {
    x.client = o_.client;
    try {
      x.node = client_->owner_of(x.dict);
    } catch (const std::exception&) {
      x.node = "?";
    }
    x.invoke_ns = h::now_ns();
    try {
      mn::dict& d = dict(x.dict);
      call(d, x);
      x.out = h::outcome::ok;
    } catch (const mn::error& e) {
      x.out = h::classify(e.code());
      x.error = e.name();
    } catch (const std::exception& e) {
      x.out = h::outcome::unknown;
      x.error = "exception";
    }
    x.complete_ns = h::now_ns();
    if (x.out != h::outcome::ok)
      x.result.reset();
    out_.write(x);
    ++count_[x.out];
    return x;
  }

  void workload() {
    auto start = std::chrono::steady_clock::now();
    auto end = start + std::chrono::milliseconds(o_.duration_ms);
    if (!connect(end))
      return;
    auto last_ok = std::chrono::steady_clock::now();
    long n = 0;
    while (std::chrono::steady_clock::now() < end && !stop_requested) {
      if (o_.rate > 0) {
        auto at = start + std::chrono::microseconds(static_cast<long>(1e6 * n / o_.rate));
        std::this_thread::sleep_until(std::min(at, end));
      }
      ++n;
      auto now = std::chrono::steady_clock::now();
      std::vector<std::string> usable;
      for (const auto& d : o_.dicts)
        if (backoff_[d] <= now)
          usable.push_back(d);
      if (usable.empty()) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      const auto& d = usable[rng_() % usable.size()];
      auto x = one_op(d);
      now = std::chrono::steady_clock::now();
      if (x.out == h::outcome::unknown) {
        backoff_[d] = now + std::chrono::milliseconds(100 + rng_() % 200);
        if (now - last_ok > 3s) { // nothing answers: try another node
          if (!connect(end))
            return;
          last_ok = std::chrono::steady_clock::now();
        }
      } else {
        last_ok = now;
      }
    }
  }

  bool read_all(const std::vector<std::pair<std::string, std::string>>& extra) {
    auto deadline = std::chrono::steady_clock::now() + 90s;
    if (!connect(deadline))
      return false;
    std::map<std::string, std::set<std::string>> keys;
    for (const auto& [d, k] : extra)
      keys[d].insert(k);
    for (const auto& d : o_.dicts) {
      for (;;) {
        try {
          for (const auto& k : dict(d).keys())
            keys[d].insert(k);
          break;
        } catch (const std::exception& e) {
          if (std::chrono::steady_clock::now() > deadline) {
            std::cerr << "read-all: cannot list dict " << d << ": " << e.what() << std::endl;
            return false;
          }
          std::this_thread::sleep_for(200ms);
        }
      }
      for (const auto& k : keys[d]) {
        for (;;) {
          h::op x;
          x.kind = h::op_kind::get;
          x.dict = d;
          x.key = k;
          auto r = run(x, [&](mn::dict& dd, h::op& y) { y.result = dump(dd.get(y.key)); });
          if (r.out == h::outcome::ok)
            break;
          if (std::chrono::steady_clock::now() > deadline) {
            std::cerr << "read-all: cannot read " << d << "/" << k << std::endl;
            return false;
          }
          std::this_thread::sleep_for(200ms);
        }
      }
    }
    return true;
  }

  void report() const {
    auto get = [&](h::outcome o) {
      auto it = count_.find(o);
      return it == count_.end() ? 0L : it->second;
    };
    std::cout << "done ops=" << get(h::outcome::ok) + get(h::outcome::fail) + get(h::outcome::unknown)
              << " ok=" << get(h::outcome::ok) << " fail=" << get(h::outcome::fail)
              << " unknown=" << get(h::outcome::unknown) << " connects=" << connects_ << std::endl;
  }

  void close() {
    dicts_.clear();
    client_.reset();
  }

private:
  static std::optional<std::string> dump(const std::optional<mn::value>& v) {
    if (!v)
      return std::nullopt;
    return v->dump();
  }

  mn::dict& dict(const std::string& name) {
    auto it = dicts_.find(name);
    if (it == dicts_.end())
      it = dicts_.emplace(name, client_->get_dict(name)).first;
    return it->second;
  }

  std::string fresh() { return mn::value(h::make_value(o_.client, ++seq_, rng_)).dump(); }

  h::op one_op(const std::string& d) {
    auto pick = rng_() % 100;
    if (pick < 35)
      return own_op(d);
    if (pick < 55)
      return counter_op(d);
    if (pick < 65)
      return setnx_op(d);
    return register_op(d);
  }

  // Keys only this client writes: their final value is known from its own
  // sequence of operations.
  h::op own_op(const std::string& d) {
    h::op x;
    x.dict = d;
    x.key = "p" + std::to_string(o_.client) + "_" + std::to_string(rng_() % 6);
    auto& known = own_[d + "/" + x.key]; // the value we believe is there
    auto pick = rng_() % 100;
    if (pick < 30) {
      x.kind = h::op_kind::set;
      x.arg = fresh();
      x = run(x, [](mn::dict& dd, h::op& y) { dd.set(y.key, mn::value::parse(*y.arg)); });
      if (x.out == h::outcome::ok)
        known = x.arg;
    } else if (pick < 50 || (pick < 65 && !known)) {
      x.kind = h::op_kind::get;
      x = run(x, [](mn::dict& dd, h::op& y) { y.result = dump(dd.get(y.key)); });
      if (x.out == h::outcome::ok)
        known = x.result;
    } else if (pick < 65) {
      x.kind = h::op_kind::cas;
      x.arg = fresh();
      x.expected = *known;
      x = run(x, [](mn::dict& dd, h::op& y) {
        bool applied = dd.update(y.key, mn::value::parse(*y.arg), mn::value::parse(*y.expected));
        y.result = applied ? "true" : "false";
      });
      if (x.out == h::outcome::ok && *x.result == "true")
        known = x.arg;
    } else if (pick < 75) {
      x.kind = h::op_kind::setnx;
      x.arg = fresh();
      x = run(x, [](mn::dict& dd, h::op& y) {
        y.result = dd.set_if_absent(y.key, mn::value::parse(*y.arg)) ? "true" : "false";
      });
      if (x.out == h::outcome::ok && *x.result == "true")
        known = x.arg;
    } else {
      x.kind = h::op_kind::erase;
      x = run(x, [](mn::dict& dd, h::op& y) { y.result = dd.erase(y.key) ? "true" : "false"; });
      if (x.out == h::outcome::ok)
        known.reset();
    }
    if (x.out == h::outcome::unknown)
      known.reset(); // read it again before the next cas
    return x;
  }

  h::op counter_op(const std::string& d) {
    static const int deltas[] = {-2, -1, 1, 1, 2, 3, 5};
    h::op x;
    x.dict = d;
    x.key = "ctr" + std::to_string(rng_() % 3);
    if (rng_() % 4 == 0) {
      x.kind = h::op_kind::get;
      return run(x, [](mn::dict& dd, h::op& y) { y.result = dump(dd.get(y.key)); });
    }
    x.kind = h::op_kind::incr;
    x.arg = std::to_string(deltas[rng_() % 7]);
    return run(x, [](mn::dict& dd, h::op& y) {
      y.result = dd.increment(y.key, mn::value::parse(*y.arg), mn::value(0)).dump();
    });
  }

  h::op setnx_op(const std::string& d) {
    h::op x;
    x.dict = d;
    x.key = "nx" + std::to_string(h::now_ns() / 300'000'000);
    if (rng_() % 5 == 0) {
      x.kind = h::op_kind::get;
      return run(x, [](mn::dict& dd, h::op& y) { y.result = dump(dd.get(y.key)); });
    }
    x.kind = h::op_kind::setnx;
    x.arg = fresh();
    return run(x, [](mn::dict& dd, h::op& y) {
      y.result = dd.set_if_absent(y.key, mn::value::parse(*y.arg)) ? "true" : "false";
    });
  }

  h::op register_op(const std::string& d) {
    h::op x;
    x.dict = d;
    x.key = "reg" + std::to_string(rng_() % 3);
    auto& seen = registers_[d + "/" + x.key];
    auto pick = rng_() % 100;
    if (pick < 40 || (pick >= 65 && !seen)) {
      x.kind = h::op_kind::get;
      x = run(x, [](mn::dict& dd, h::op& y) { y.result = dump(dd.get(y.key)); });
      if (x.out == h::outcome::ok)
        seen = x.result;
    } else if (pick < 65) {
      x.kind = h::op_kind::set;
      x.arg = fresh();
      x = run(x, [](mn::dict& dd, h::op& y) { dd.set(y.key, mn::value::parse(*y.arg)); });
      seen = x.out == h::outcome::ok ? x.arg : std::nullopt;
    } else {
      x.kind = h::op_kind::cas;
      x.arg = fresh();
      x.expected = *seen;
      x = run(x, [](mn::dict& dd, h::op& y) {
        bool applied = dd.update(y.key, mn::value::parse(*y.arg), mn::value::parse(*y.expected));
        y.result = applied ? "true" : "false";
      });
      seen = x.out == h::outcome::ok && *x.result == "true" ? x.arg : std::nullopt;
    }
    return x;
  }

  const options& o_;
  h::writer& out_;
  std::mt19937_64 rng_;
  std::size_t next_node_ = 0;
  std::unique_ptr<mn::client> client_;
  std::map<std::string, mn::dict> dicts_;
  std::map<std::string, std::chrono::steady_clock::time_point> backoff_;
  std::map<std::string, std::optional<std::string>> own_, registers_;
  std::map<h::outcome, long> count_;
  long seq_ = 0;
  long connects_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "mn_test_workload: " << e.what() << std::endl;
    return 1;
  }
  // Whatever happens, this process ends: the run's length plus time to read
  // and to shut down.
  auto limit = std::chrono::milliseconds(o.duration_ms) + 150s;
  std::thread([limit] {
    std::this_thread::sleep_for(limit);
    std::cerr << "mn_test_workload: still running after " << limit.count() << " ms, exiting"
              << std::endl;
    std::_Exit(3);
  }).detach();
  if (o.stop_on_stdin)
    std::thread([] {
      std::string line;
      std::getline(std::cin, line);
      stop_requested = true;
    }).detach();
  try {
    h::writer out{o.history};
    session s{o, out};
    int rc = 0;
    if (o.read_all) {
      std::vector<std::pair<std::string, std::string>> extra;
      if (!o.keys_file.empty()) {
        std::ifstream in{o.keys_file};
        std::string d, k;
        while (in >> d >> k)
          extra.emplace_back(d, k);
      }
      rc = s.read_all(extra) ? 0 : 2;
    } else {
      s.workload();
    }
    s.report();
    s.close();
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "mn_test_workload: " << e.what() << std::endl;
    return 1;
  }
}
