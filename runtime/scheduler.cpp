#include "runtime/scheduler.hpp"

#include "runtime/detail/records.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>

namespace mn::detail {

using std::chrono::milliseconds;

namespace {

int64_t ms_of(sys_time t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// "<task>@<period, 13 zero-padded digits of Unix ms>": sorts by period.
std::string claim_key(const std::string& name, sys_time period) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "@%013lld", static_cast<long long>(ms_of(period)));
  return name + buf;
}

class context : public schedule_context {
public:
  context(const std::string& name, sys_time period, uint32_t attempt)
    : name_(name), period_(period), attempt_(attempt) {}
  const std::string& name() const override { return name_; }
  sys_time scheduled_time() const override { return period_; }
  uint32_t attempt() const override { return attempt_; }

private:
  const std::string& name_;
  sys_time period_;
  uint32_t attempt_;
};

// Changes the record of task `name`, waiting up to `patience` for its dict; a
// record that cannot be written now is left as it is (the run itself is not
// undone; runs never wait long for records).
void note(dict records, const std::string& name, const std::function<void(value&)>& change,
          milliseconds patience = milliseconds(1000)) {
  try {
    patiently(
      records,
      [&] {
        return change_value(records, name, [&](value& r) {
          change(r);
          return true;
        });
      },
      patience);
  } catch (const error& e) {
    std::cerr << "mn: schedule '" << name << "': its record was not updated: " << e.what()
              << "\n";
  }
}

} // namespace

struct scheduler::task {
  std::string name;
  schedule_spec spec;
  schedule_body body;
  schedule_options opts;
  bool ready = false;              // its record exists; `created` is known
  sys_time created{};
  std::optional<sys_time> done;    // every period up to this was dealt with here
  sys_time wake{};                 // when to look again
  std::atomic<int> running{0};     // its runs on this node now
  std::atomic<int64_t> running_period{0}; // ms of the period of the latest run started here
  uint64_t won = 0;                // claims won by this node
  bool ticking = false;            // a tick of it is in flight (guarded by mu_)
};

scheduler::scheduler(hooks h) : h_(std::move(h)) {
  thread_ = std::thread{[this] { loop(); }};
}

scheduler::~scheduler() {
  stop();
}

void scheduler::add(const std::string& name, schedule_spec spec, schedule_body body,
                    schedule_options opts) {
  auto t = std::make_shared<task>();
  t->name = name;
  t->spec = std::move(spec);
  t->body = std::move(body);
  t->opts = opts;
  {
    std::lock_guard<std::mutex> guard{mu_};
    tasks_[name] = std::move(t);
  }
  cv_.notify_all();
}

void scheduler::stop() {
  {
    std::lock_guard<std::mutex> guard{mu_};
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  // Ticks in flight use this object: wait for them (each is bounded by its
  // dicts' request timeouts).
  std::unique_lock<std::mutex> guard{mu_};
  cv_.wait(guard, [this] { return ticking_ == 0; });
}

void scheduler::loop() {
  std::unique_lock<std::mutex> guard{mu_};
  while (!stop_) {
    auto now = h_.now();
    // Look again within a second at the latest: a new task, a clock that
    // jumped, a dict that came back.
    auto next = now + std::chrono::seconds(1);
    std::vector<std::shared_ptr<task>> due;
    for (auto& [name, t] : tasks_) {
      if (t->ticking)
        continue; // it says when it is done
      if (t->wake <= now) {
        t->ticking = true;
        ++ticking_;
        due.push_back(t);
      } else {
        next = std::min(next, t->wake);
      }
    }
    if (!due.empty()) {
      guard.unlock();
      // Ticks (claims: a few dict round trips each) run on the function
      // threads, so that many tasks due at once are claimed in parallel and
      // their claims share group commits.
      for (auto& t : due)
        h_.run([this, t] {
          try {
            tick(*t, h_.now());
          } catch (const std::exception& e) {
            std::cerr << "mn: schedule '" << t->name << "': " << e.what() << "\n";
            t->wake = h_.now() + milliseconds(500);
          }
          {
            std::lock_guard<std::mutex> g{mu_};
            t->ticking = false;
            --ticking_;
          }
          cv_.notify_all();
        });
      guard.lock();
      continue;
    }
    // The clock may be another than the steady one: wait for the span.
    cv_.wait_for(guard, std::max(next - now, sys_time::duration(0)));
  }
}

void scheduler::tick(task& t, sys_time now) {
  if (!t.ready) {
    try {
      auto fresh = value{{"spec", t.spec.describe()}, {"created", ms_of(now)},
                         {"next_due", ms_of(t.spec.next_after(now))}, {"last_run", 0},
                         {"last_started", 0}, {"last_finished", 0}, {"last_outcome", ""},
                         {"last_node", ""}, {"last_attempts", 0}, {"runs", 0},
                         {"skipped", 0}, {"missed", 0}, {"running", nullptr}};
      h_.records.set_if_absent(t.name, fresh);
      auto r = h_.records.get(t.name);
      t.created = sys_time{milliseconds(r ? r->value("created", ms_of(now)) : ms_of(now))};
      t.ready = true;
    } catch (const error&) {
      t.wake = now + milliseconds(500); // the records' dict is out of reach: soon again
      return;
    }
  }
  auto d = decide(t.spec, t.opts, now, t.done, t.created);
  if (d.kind == due_decision::wait) {
    t.wake = d.wake;
    return;
  }
  if (d.kind == due_decision::ignore) {
    t.done = d.period;
    t.wake = d.wake;
    return;
  }
  auto c = claim(t.name, d.period);
  if (c == claim_result::unreachable) {
    // Too few claim dicts answered: again soon (the period may turn into a
    // missed one meanwhile).
    t.wake = now + milliseconds(100);
    return;
  }
  t.done = d.period;
  t.wake = d.wake;
  if (c == claim_result::lost)
    return;
  if (++t.won % 32 == 0)
    prune_claims(t.name);
  auto next_due = ms_of(d.wake);
  auto self = h_.self;
  if (d.kind == due_decision::miss) {
    note(h_.records, t.name, [&](value& r) {
      r["missed"] = r.value("missed", uint64_t{0}) + 1;
      r["next_due"] = next_due;
    });
    return;
  }
  if (t.opts.overlap == overlap_policy::skip) {
    value running;
    try {
      auto r = h_.records.get(t.name);
      running = r ? r->value("running", value{}) : value{};
    } catch (const error&) {
      // unknown: let it run
    }
    // A run of this node still going is known here even when its "running"
    // marker is not written yet (or its one try failed): without this check
    // two runs overlapped on one node (seen under TSan, where writes are slow).
    bool here = t.running > 0;
    if (here || (!running.is_null() && still_running(t.name, running))) {
      auto period = iso_utc(d.period);
      auto since = iso_utc(sys_time{milliseconds(
        here ? t.running_period.load() : running.value("period", int64_t{0}))});
      note(h_.records, t.name, [&](value& r) {
        r["last_outcome"] = "skipped: the run of " + since + " still goes at " + period;
        r["skipped"] = r.value("skipped", uint64_t{0}) + 1;
        r["last_node"] = self;
        r["next_due"] = next_due;
      });
      return;
    }
  }
  std::shared_ptr<task> held;
  {
    std::lock_guard<std::mutex> guard{mu_};
    if (auto i = tasks_.find(t.name); i != tasks_.end())
      held = i->second;
  }
  if (held)
    start_run(held, d.period);
}

scheduler::claim_result scheduler::claim(const std::string& name, sys_time period) {
  auto key = claim_key(name, period);
  value me = {{"node", h_.self}, {"inc", h_.incarnation}};
  std::size_t needed = h_.claims.size() / 2 + 1;
  std::size_t won = 0;
  for (auto& d : h_.claims) {
    try {
      if (d.set_if_absent(key, me)) {
        ++won;
      } else {
        auto holder = d.get(key);
        if (!holder || *holder != me)
          return claim_result::lost; // another node got there first
        ++won; // ours, from an attempt whose answer was lost
      }
    } catch (const error&) {
      continue; // out of reach: the others may still make a majority
    }
    if (won >= needed)
      return claim_result::won;
  }
  return claim_result::unreachable;
}

void scheduler::prune_claims(const std::string& name) {
  // Keeps the claims of the last 64 periods in each claim dict.
  for (auto& d : h_.claims) {
    try {
      std::vector<std::string> keys;
      each_key(d, name + "@", [&](const std::string& k) {
        keys.push_back(k);
        return keys.size() < 1000;
      });
      if (keys.size() <= 64)
        continue;
      for (std::size_t i = 0; i + 64 < keys.size(); ++i)
        d.erase(keys[i]);
    } catch (const error&) {
      // next time
    }
  }
}

bool scheduler::still_running(const std::string& name, const value& running) {
  auto node = running.value("node", "");
  if (node == h_.self) {
    if (running.value("inc", int64_t{0}) != h_.incarnation)
      return false; // a run of this node before it restarted
    std::lock_guard<std::mutex> guard{mu_};
    auto i = tasks_.find(name);
    return i != tasks_.end() && i->second->running > 0;
  }
  return !node.empty() && !h_.is_dead(node);
}

void scheduler::start_run(const std::shared_ptr<task>& t, sys_time period) {
  t->running_period = ms_of(period);
  ++t->running;
  auto records = h_.records;
  auto self = h_.self;
  auto inc = h_.incarnation;
  auto next_due = ms_of(t->spec.next_after(period));
  // Everything the run needs is copied: it may outlive this scheduler.
  h_.run([t, period, records, self, inc, next_due] {
    auto started = unix_ms();
    value marker = {{"period", ms_of(period)}, {"node", self}, {"inc", inc}, {"started", started}};
    note(
      records, t->name,
      [&](value& r) {
        r["running"] = marker;
        r["next_due"] = next_due;
      },
      milliseconds(0)); // one try: the body must not wait for the records
    std::string outcome;
    uint32_t attempt = 0;
    for (;;) {
      ++attempt;
      context ctx{t->name, period, attempt};
      try {
        t->body(ctx);
        outcome = "succeeded";
        break;
      } catch (const std::exception& e) {
        outcome = std::string{"failed: "} + e.what();
      } catch (...) {
        outcome = "failed: an exception that is not a std::exception";
      }
      if (attempt > t->opts.max_retries)
        break;
    }
    auto finished = unix_ms();
    note(records, t->name, [&](value& r) {
      r["last_run"] = ms_of(period);
      r["last_started"] = started;
      r["last_finished"] = finished;
      r["last_outcome"] = outcome;
      r["last_node"] = self;
      r["last_attempts"] = attempt;
      r["runs"] = r.value("runs", uint64_t{0}) + 1;
      if (r.value("running", value{}) == marker)
        r["running"] = nullptr;
    });
    --t->running;
  });
}

std::vector<schedule_info> scheduler::list(dict& records) {
  std::vector<schedule_info> out;
  each_key(records, "", [&](const std::string& name) {
    auto r = records.get(name);
    if (!r)
      return true;
    schedule_info i;
    i.name = name;
    i.spec = r->value("spec", "");
    i.next_due_ms = r->value("next_due", int64_t{0});
    i.last_run_ms = r->value("last_run", int64_t{0});
    i.last_started_ms = r->value("last_started", int64_t{0});
    i.last_finished_ms = r->value("last_finished", int64_t{0});
    i.last_outcome = r->value("last_outcome", "");
    i.last_node = r->value("last_node", "");
    i.last_attempts = r->value("last_attempts", 0u);
    i.runs = r->value("runs", uint64_t{0});
    i.missed = r->value("missed", uint64_t{0});
    i.skipped = r->value("skipped", uint64_t{0});
    auto running = r->value("running", value{});
    i.running = !running.is_null();
    if (i.running)
      i.running_node = running.value("node", "");
    out.push_back(std::move(i));
    return true;
  });
  return out;
}

} // namespace mn::detail
