// mn_test_node: a node (or, with `client HOST:PORT` first, an mn::client) that
// cluster tests drive through stdin, one command a line, one answer a line:
//
//   ok <elapsed_us> <result>      or      err <elapsed_us> <error name>: <message>
//
// Commands (D = dict, K = key, V/NEW/EXP = JSON):
//   set D K V | get D K | del D K | has D K | size D | keys D | owner D
//   fastport - (this node's fast-path port)
//   incr D K DELTA | cas D K NEW EXP | setnx D K V
//   incr_many D K N THREADS    -> "<acked> <failed>" after N increments in total
//   setnx_many D PREFIX N      -> wins of set_if_absent(PREFIX<i>, this name), i < N
//   cas_chain D K N            -> successful update(K, v+1, v) out of N tries
//   call F JSON                -> the function's result (functions registered on
//                                 every node: whoami, square, boom, sleep_ms,
//                                 nap (sleep_ms with a 300 ms timeout))
//   whomap N                   -> "a=<n> b=<n> ..." : which node ran each of N calls (map)
//   jstart JOB JSON / jget JOB ID -> a job's id / "STATUS node=N attempts=A error=E"
//                                 (jobs registered everywhere: "spin" loops JSON seconds
//                                 or until cancelled; "rspin" too, with max_retries 1;
//                                 "limited", max_concurrency 2, holds JSON ms counted in
//                                 dict jobstats: "running" now, "max" the most at once)
//   acall F N                  -> sum of F(i), i < N, by N call_async futures at once
//   actorcall F N              -> sum of F(i), i < N, by one actor with N calls in
//                                 flight (call_async with callbacks), or the first error
//                                 (functions also: cube, an actor function)
//   sched NAME MS              -> schedules NAME every MS ms; each run increments
//                                 "NAME@<period ms>" and sets "last" = this node in
//                                 every dict of sruns_dicts() (one per node)
//   sruns NAME                 -> "<period>:<count> ..." of NAME, oldest first, and
//   slast NAME                    the node that ran the last period, read from
//                                 the first sruns dict that answers
//   nodes -                    -> "a=up[d1,d2] b=down ..." (member_statuses)
//   dicts -                    -> "name@owner:size ..." (dict_infos, user dicts)
//   squaremap N                -> sum of square(i) for i < N via map, "ordered" or "ORDER"
//   aincr_many D K N           -> "<acked> <failed> <first error name>" after N
//                                 increments by one actor (mn::async_dict), 16 in flight
// Node options are mnode's (see node_options::from_command_line). It prints
// "ready" once started.
#include <mn/actor_function.hpp>
#include <mn/async_dict.hpp>
#include <mn/mn.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <variant>

namespace {

struct target {
  mn::node* n = nullptr;
  mn::client* c = nullptr;
  std::string name;
  mn::dict get(const std::string& d) { return n ? n->get_dict(d) : c->get_dict(d); }
  std::string owner(const std::string& d) { return n ? n->owner_of(d) : c->owner_of(d); }
  caf::actor_system& sys() { return n ? n->system() : c->system(); }
  mn::function_handle function(const std::string& f) { return n ? n->function(f) : c->function(f); }
  mn::job_handle job(const std::string& j) { return n ? n->job(j) : c->job(j); }
};

using go_atom = caf::atom_constant<caf::atom("go")>;

// Loops `seconds` seconds, or until cancelled.
mn::value spin(mn::job_context& ctx, const mn::value& seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds.get<long>());
  while (!ctx.cancelled() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return mn::value("spun");
}

// Raises d[key] to at least `v`, by compare-and-set.
void raise_to(mn::dict& d, const std::string& key, long v) {
  for (;;) {
    auto seen = d.get(key);
    if (!seen && d.set_if_absent(key, v))
      return;
    if (seen && (seen->get<long>() >= v || d.update(key, v, *seen)))
      return;
  }
}

// Holds `ms` milliseconds, counted in d["running"] while it does; d["max"] is
// the most seen at once.
mn::job_body counted(mn::dict d) {
  return [d](mn::job_context&, const mn::value& ms) mutable {
    raise_to(d, "max", d.increment("running", 1, 0).get<long>());
    std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<long>()));
    d.increment("running", -1);
    return mn::value("held");
  };
}

// An actor that increments `key` `total` times through mn::async_dict, 16 in
// flight, and reports (acked, failed, first error) to `parent`.
caf::behavior incrementer(caf::event_based_actor* self, mn::dict d, std::string key, long total,
                          caf::actor parent) {
  struct progress {
    long sent = 0, acked = 0, failed = 0;
    std::string first_error = "-";
  };
  auto st = std::make_shared<progress>();
  auto ad = std::make_shared<mn::async_dict>(self, d);
  auto next = std::make_shared<std::function<void()>>();
  *next = [=] {
    if (st->acked + st->failed == total) {
      self->send(parent, st->acked, st->failed, st->first_error);
      self->quit();
      return;
    }
    if (st->sent == total)
      return;
    ++st->sent;
    ad->increment(
      key, 1, 0, [=](const mn::value&) { ++st->acked; (*next)(); },
      [=](const mn::failure& f) {
        if (st->failed++ == 0)
          st->first_error = mn::to_string(f.code);
        (*next)();
      });
  };
  return {[=](go_atom) {
    for (int i = 0; i < 16; ++i)
      (*next)();
  }};
}

// An actor that calls `f` on 0..n-1, all in flight at once, and reports
// (sum, first error or "") to `parent`.
caf::behavior call_summer(caf::event_based_actor* self, mn::function_handle f, long n,
                          caf::actor parent) {
  auto sum = std::make_shared<long>(0);
  auto left = std::make_shared<long>(n);
  auto first = std::make_shared<std::string>();
  auto one_done = [=] {
    if (--*left == 0) {
      self->send(parent, *sum, *first);
      self->quit();
    }
  };
  for (long i = 0; i < n; ++i)
    f.call_async(self, i, [=](mn::value v) { *sum += v.get<long>(); one_done(); },
                 [=](const mn::failure& e) {
                   if (first->empty())
                     *first = std::string{mn::to_string(e.code)} + ": " + e.message;
                   one_done();
                 });
  return {[](caf::get_atom) {}};
}

// An actor function: x^3.
caf::behavior cube(caf::event_based_actor*) {
  return {[](mn::call_atom, const mn::value& x) -> mn::value {
    return x.get<long>() * x.get<long>() * x.get<long>();
  }};
}

// One dict per node (distinct owners), so that the counts of scheduled runs
// survive any one node's death.
std::vector<std::string> sruns_dicts(target& t) {
  std::vector<std::string> out;
  std::set<std::string> owners;
  for (int i = 0; i < 1000 && out.size() < 3; ++i) {
    auto name = "sruns" + std::to_string(i);
    if (owners.insert(t.owner(name)).second)
      out.push_back(name);
  }
  return out;
}

// Runs `f` on the first sruns dict that answers.
template <class F>
std::string from_sruns(target& t, F f) {
  std::string last_error = "no sruns dict";
  for (auto& d : sruns_dicts(t)) {
    try {
      auto dict = t.get(d);
      return f(dict);
    } catch (const mn::error& e) {
      last_error = e.what();
    }
  }
  throw mn::unavailable(mn::errc::unavailable, last_error);
}

std::string run(target& t, const std::string& line) {
  std::istringstream in{line};
  std::string cmd, d, k;
  in >> cmd >> d;
  auto json = [&]() {
    std::string text;
    in >> text;
    return mn::value::parse(text);
  };
  if (cmd == "owner")
    return t.owner(d);
  if (cmd == "nodes") {
    std::string out;
    for (auto& m : t.n ? t.n->member_statuses() : t.c->member_statuses()) {
      out += (out.empty() ? "" : " ") + m.member.name + "=" + (m.up ? "up[" : "down");
      if (m.up) {
        std::string list;
        for (auto& d : m.dicts)
          list += (list.empty() ? "" : ",") + d;
        out += list + "]";
      }
    }
    return out;
  }
  if (cmd == "dicts") {
    std::string out;
    for (auto& i : t.n ? t.n->dict_infos() : t.c->dict_infos())
      out += (out.empty() ? "" : " ") + i.name + "@" + i.owner + ":" + std::to_string(i.size);
    return out;
  }
  if (cmd == "sched") { // sched NAME MS
    if (!t.n)
      throw mn::invalid_argument(mn::errc::invalid_argument, "a client schedules nothing");
    long ms = 0;
    in >> ms;
    auto dicts = sruns_dicts(t);
    auto self = t.name;
    auto* n = t.n;
    t.n->schedule(d, mn::every(std::chrono::milliseconds(ms)),
                  [n, dicts, self](mn::schedule_context& ctx) {
                    auto p = std::chrono::duration_cast<std::chrono::milliseconds>(
                               ctx.scheduled_time().time_since_epoch())
                               .count();
                    char key[64];
                    std::snprintf(key, sizeof key, "@%013lld", static_cast<long long>(p));
                    for (auto& name : dicts) {
                      try {
                        auto dict = n->get_dict(name);
                        dict.increment(ctx.name() + key, 1, 0);
                        dict.set("last", self);
                      } catch (const mn::error&) {
                        // that dict's owner is down: the others count
                      }
                    }
                  });
    return "scheduled";
  }
  if (cmd == "sruns") {
    return from_sruns(t, [&](mn::dict& dict) {
      std::string out;
      auto prefix = d + "@";
      auto after = prefix;
      for (;;) {
        auto page = dict.keys_page(after, 500);
        for (auto& k : page) {
          if (k.compare(0, prefix.size(), prefix) != 0)
            return out;
          out += (out.empty() ? "" : " ") + k.substr(prefix.size()) + ":"
                 + dict.at(k).dump();
        }
        if (page.size() < 500)
          return out;
        after = page.back();
      }
    });
  }
  if (cmd == "slast")
    return from_sruns(t, [&](mn::dict& dict) { return dict.at("last").get<std::string>(); });
  if (cmd == "fastport")
    return std::to_string(t.n ? t.n->fast_path_port() : 0);
  auto dict = t.get(d);
  if (cmd == "set") {
    in >> k;
    dict.set(k, json());
    return "done";
  }
  if (cmd == "get") {
    in >> k;
    auto v = dict.get(k);
    return v ? v->dump() : "none";
  }
  if (cmd == "del") {
    in >> k;
    return dict.erase(k) ? "true" : "false";
  }
  if (cmd == "has") {
    in >> k;
    return dict.contains(k) ? "true" : "false";
  }
  if (cmd == "size")
    return std::to_string(dict.size());
  if (cmd == "keys") {
    std::string out;
    for (const auto& key : dict.keys())
      out += (out.empty() ? "" : " ") + key;
    return out;
  }
  if (cmd == "incr") {
    in >> k;
    return dict.increment(k, json()).dump();
  }
  if (cmd == "cas") {
    in >> k;
    auto n = json();
    auto e = json();
    return dict.update(k, n, e) ? "true" : "false";
  }
  if (cmd == "setnx") {
    in >> k;
    return dict.set_if_absent(k, json()) ? "true" : "false";
  }
  if (cmd == "incr_many") {
    long n = 0;
    int threads = 1;
    in >> k >> n >> threads;
    std::atomic<long> next{0}, acked{0}, failed{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
      pool.emplace_back([&, dict]() mutable {
        while (next++ < n) {
          try {
            dict.increment(k, 1, 0);
            ++acked;
          } catch (const mn::error&) {
            ++failed;
          }
        }
      });
    for (auto& th : pool)
      th.join();
    return std::to_string(acked.load()) + " " + std::to_string(failed.load());
  }
  if (cmd == "aincr_many") {
    long n = 0;
    in >> k >> n;
    caf::scoped_actor self{t.sys()};
    auto a = t.sys().spawn(incrementer, dict, k, n, caf::actor{self});
    self->send(a, go_atom::value);
    std::string out = "no answer";
    self->receive(
      [&](long acked, long failed, std::string& first) {
        out = std::to_string(acked) + " " + std::to_string(failed) + " " + first;
      },
      caf::after(std::chrono::seconds(120)) >> [&] { caf::anon_send_exit(a, caf::exit_reason::kill); });
    return out;
  }
  if (cmd == "call") {
    return t.function(d).call(json()).dump();
  }
  if (cmd == "acall") {
    long n = 0;
    in >> n;
    std::vector<std::future<mn::value>> fs;
    for (long i = 0; i < n; ++i)
      fs.push_back(t.function(d).call_async(i));
    long sum = 0;
    for (auto& f : fs)
      sum += f.get().get<long>();
    return std::to_string(sum);
  }
  if (cmd == "actorcall") {
    long n = 0;
    in >> n;
    caf::scoped_actor self{t.sys()};
    t.sys().spawn(call_summer, t.function(d), n, caf::actor{self});
    std::string out = "no answer within 60 s";
    self->receive([&](long sum, std::string& err) { out = err.empty() ? std::to_string(sum) : err; },
                  caf::after(std::chrono::seconds(60)) >> [] {});
    return out; // the sum, or "<error name>: <message>"
  }
  if (cmd == "whomap") {
    std::vector<mn::value> inputs(std::stoul(d), nullptr);
    std::map<std::string, int> count;
    for (auto& r : t.function("whoami").map(inputs))
      ++count[r.get<std::string>()];
    std::string out;
    for (auto& [name, n] : count)
      out += (out.empty() ? "" : " ") + name + "=" + std::to_string(n);
    return out;
  }
  if (cmd == "squaremap") {
    std::vector<mn::value> inputs;
    for (long i = 0; i < std::stol(d); ++i)
      inputs.emplace_back(i);
    auto out = t.function("square").map(inputs);
    long sum = 0;
    bool ordered = out.size() == inputs.size();
    for (std::size_t i = 0; i < out.size(); ++i) {
      sum += out[i].get<long>();
      ordered = ordered && out[i].get<long>() == static_cast<long>(i * i);
    }
    return std::to_string(sum) + (ordered ? " ordered" : " ORDER");
  }
  if (cmd == "jstart") { // jstart JOB JSON -> id
    return t.job(d).start(json());
  }
  if (cmd == "jget") { // jget JOB ID -> "STATUS node=N error=..."
    in >> k;
    auto r = t.job(d).get(k);
    return std::string{mn::to_string(r.status)} + " node=" + r.node
           + " attempts=" + std::to_string(r.attempts) + " error=" + r.error;
  }
  if (cmd == "setnx_many") {
    long n = 0;
    in >> k >> n;
    long wins = 0;
    for (long i = 0; i < n; ++i)
      wins += dict.set_if_absent(k + std::to_string(i), t.name) ? 1 : 0;
    return std::to_string(wins);
  }
  if (cmd == "cas_chain") {
    long n = 0;
    in >> k >> n;
    long wins = 0;
    for (long i = 0; i < n; ++i) {
      auto v = dict.at(k);
      wins += dict.update(k, v.get<long>() + 1, v) ? 1 : 0;
    }
    return std::to_string(wins);
  }
  throw mn::invalid_argument(mn::errc::invalid_argument, "unknown command '" + cmd + "'");
}

} // namespace

int main(int argc, char** argv) {
  try {
    std::unique_ptr<mn::node> n;
    std::unique_ptr<mn::client> c;
    target t;
    if (argc >= 3 && std::string{argv[1]} == "client") {
      // argv[2] (the address) stands where from_command_line expects a program name.
      auto opts = mn::node_options::from_command_line(argc - 2, argv + 2);
      c = std::make_unique<mn::client>(argv[2], opts);
      t.c = c.get();
      t.name = "client";
    } else {
      auto opts = mn::node_options::from_command_line(argc, argv);
      n = std::make_unique<mn::node>(opts);
      t.n = n.get();
      t.name = opts.name;
      auto me = opts.name;
      n->register_function("whoami", [me](const mn::value&) { return mn::value(me); });
      n->register_function("square", [](const mn::value& x) { return x.get<long>() * x.get<long>(); });
      n->register_actor_function("cube", n->system().spawn(cube));
      n->register_function("boom", [](const mn::value& x) -> mn::value {
        throw std::runtime_error("boom " + x.dump());
      });
      n->register_job("spin", spin);
      n->register_job("rspin", spin, mn::job_options{1, 0});
      n->register_job("limited", counted(n->get_dict("jobstats")), mn::job_options{0, 2});
      auto sleep_ms = [](const mn::value& ms) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<long>()));
        return ms;
      };
      n->register_function("sleep_ms", sleep_ms);
      mn::function_options quick; // "nap": sleep_ms with a 300 ms timeout
      quick.timeout = std::chrono::milliseconds(300);
      n->register_function("nap", sleep_ms, quick);
    }
    std::cout << "ready" << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      auto start = std::chrono::steady_clock::now();
      std::string out;
      try {
        out = "ok %T " + run(t, line);
      } catch (const mn::error& e) {
        out = std::string{"err %T "} + e.name() + ": " + e.what();
      } catch (const std::exception& e) {
        out = std::string{"err %T exception: "} + e.what();
      }
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
      out.replace(out.find("%T"), 2, std::to_string(us));
      std::cout << out << std::endl;
    }
  } catch (const mn::error& e) {
    std::cout << "failed " << e.name() << ": " << e.what() << std::endl;
    return 2;
  }
  return 0;
}
