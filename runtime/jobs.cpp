// Jobs on top of functions and dicts: a job of name N is run by the hidden
// function "__job:N" on a node that registered it; its record lives in the
// system dict "__jobs" under its id and every change to it is a
// compare-and-set, so a cancel() racing the job's own updates is never lost.
//
//   id     := N "-" <creation time, 13 decimal digits of Unix ms> "-" <6 hex digits>
//   record := {"name", "status", "input", "result", "error", "node", "attempts",
//              "created", "started", "finished"}   (times in Unix ms)
//             + once run: {"slot" (-1: none), "max_retries", "max_concurrency" (the
//               runner's options), "run" (a token that tells a retried claim its own)}
//
// max_concurrency L > 0 (cluster-wide): slots "N#0" .. "N#<L-1>" in the system
// dict "__job_slots", each null (free) or {"job", "node", "since"} (held),
// claimed and freed by compare-and-set only, so nobody ever frees a slot that
// another job took meanwhile. A job finding no slot waits in "__job_queue"
// (key = its id, so the oldest sorts first). A runner always runs the oldest
// waiting job of its name, whichever id woke it; a job that ends frees its
// slot, then wakes the next one. Enqueue-then-claim on one side and
// free-then-look on the other mean that a job waits only while every slot is
// held by a job that will wake it; the reapers cover crashes.
//
// Runs of one job are told apart by (node, attempts): a run given up by the
// reaper (its node was thought dead) can no longer touch the record.
#include "runtime/jobs.hpp"

#include "runtime/detail/dict_handle.hpp"
#include "runtime/detail/records.hpp"

#include <mn/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <thread>

namespace mn {

const char* to_string(job_status s) noexcept {
  switch (s) {
    case job_status::pending: return "PENDING";
    case job_status::running: return "RUNNING";
    case job_status::succeeded: return "SUCCEEDED";
    case job_status::failed: return "FAILED";
    case job_status::cancelling: return "CANCELLING";
    case job_status::cancelled: return "CANCELLED";
  }
  return "UNKNOWN";
}

namespace detail {

namespace {

// A slot held by a job that is not RUNNING (its runner is between claiming
// the slot and the record, two dict operations) is freed after this long:
// by then that runner failed.
constexpr int64_t stale_claim_ms = 60000;

int64_t now_ms() {
  return unix_ms();
}

job_status parse_status(const std::string& s) {
  for (auto st : {job_status::pending, job_status::running, job_status::succeeded,
                  job_status::failed, job_status::cancelling, job_status::cancelled})
    if (s == to_string(st))
      return st;
  return job_status::failed;
}

job_status status_of(const value& record) {
  return parse_status(record.value("status", "FAILED"));
}

bool ended(job_status s) {
  return s == job_status::succeeded || s == job_status::failed || s == job_status::cancelled;
}

bool active(job_status s) {
  return s == job_status::running || s == job_status::cancelling;
}

// true when `record` is still run by attempt `attempt` on `node`.
bool runs(const value& record, const std::string& node, uint32_t attempt) {
  return active(status_of(record)) && record.value("node", "") == node
         && record.value("attempts", 0u) == attempt;
}

// true when `id` is an id of job `name`: N "-" 13 digits "-" 6 hex digits. The
// length check keeps "a-b-..." (job "a-b") out of job "a".
bool belongs(const std::string& id, const std::string& name) {
  return id.size() == name.size() + 21 && id.compare(0, name.size(), name) == 0
         && id[name.size()] == '-';
}

job_record to_record(const job_id& id, const value& v) {
  job_record r;
  r.id = id;
  r.name = v.value("name", "");
  r.status = status_of(v);
  r.input = v.value("input", value{});
  r.result = v.value("result", value{});
  r.error = v.value("error", "");
  r.node = v.value("node", "");
  r.attempts = v.value("attempts", 0u);
  r.created_ms = v.value("created", int64_t{0});
  r.started_ms = v.value("started", int64_t{0});
  r.finished_ms = v.value("finished", int64_t{0});
  return r;
}

[[noreturn]] void not_found(const job_id& id) {
  throw job_not_found(errc::job_not_found,
                      "no job has id '" + id + "'; list() gives the ids of a job name");
}

// Applies `change` to the record of `id` by compare-and-set until it sticks;
// `change` returns false to leave the record as it is. Returns the record as
// written (or as found, when `change` declined). Errors: job_not_found.
template <class F>
value change_record(dict& jobs, const job_id& id, F change) {
  auto written = change_value(jobs, id, change);
  if (!written)
    not_found(id);
  return *written;
}

// Calls `f(id)` on the ids of job `name` among the keys of `d`, oldest first,
// until it returns false.
template <class F>
void each_id(const dict& d, const std::string& name, F f) {
  each_key(d, name + "-", [&](const std::string& k) { return !belongs(k, name) || f(k); });
}

// -- slots ----------------------------------------------------------------------

std::string slot_key(const std::string& name, int64_t i) {
  return name + "#" + std::to_string(i);
}

value holder(const job_id& id, const std::string& node) {
  return {{"job", id}, {"node", node}, {"since", now_ms()}};
}

// Claims a free slot of `name` with `held`; its index, or -1 when all `limit`
// are held. One read per slot: absent and null slots are free.
int64_t claim_slot(dict& slots, const std::string& name, std::size_t limit, const value& held) {
  for (std::size_t i = 0; i < limit; ++i) {
    auto key = slot_key(name, static_cast<int64_t>(i));
    auto v = slots.get(key);
    if (!v ? slots.set_if_absent(key, held) : v->is_null() && slots.update(key, held, nullptr))
      return static_cast<int64_t>(i);
  }
  return -1;
}

// Frees slot `i` of `name` if `held_by(value)` says so of its holder, by
// compare-and-set against the value read: a slot taken since stays taken.
template <class Pred>
bool free_slot_if(dict& slots, const std::string& name, int64_t i, Pred held_by) {
  if (i < 0)
    return false;
  auto key = slot_key(name, i);
  auto v = slots.get(key);
  return v && v->is_object() && held_by(*v) && slots.update(key, nullptr, *v);
}

// Frees a slot at the end of a run; errors are left to the reapers' sweep.
class slot_guard {
public:
  slot_guard(dict& slots, std::string name, int64_t i, value held)
    : slots_(slots), name_(std::move(name)), i_(i), held_(std::move(held)) {}
  ~slot_guard() {
    try {
      if (i_ >= 0)
        slots_.update(slot_key(name_, i_), nullptr, held_);
    } catch (const error&) {
      // the sweep frees it once the job has ended
    }
  }
  slot_guard(const slot_guard&) = delete;
  slot_guard& operator=(const slot_guard&) = delete;

private:
  dict& slots_;
  std::string name_;
  int64_t i_;
  value held_;
};

// -- the waiting line -----------------------------------------------------------

std::optional<job_id> first_waiting(const dict& queue, const std::string& name) {
  std::optional<job_id> out;
  each_id(queue, name, [&](const std::string& id) {
    out = id;
    return false;
  });
  return out;
}

// The oldest waiting job of `name` whose record is PENDING. Entries of jobs
// that ended or were removed are dropped on the way; entries of jobs running
// are kept (their runner drops them, and a retry may need them again).
std::optional<job_id> oldest_pending(job_dicts& d, const std::string& name) {
  std::optional<job_id> out;
  std::vector<job_id> gone;
  each_id(d.queue, name, [&](const std::string& id) {
    auto r = d.jobs.get(id);
    if (r && status_of(*r) == job_status::pending) {
      out = id;
      return false;
    }
    if (!r || ended(status_of(*r)))
      gone.push_back(id);
    return gone.size() < 100;
  });
  for (auto& id : gone)
    d.queue.erase(id);
  return out;
}

// A slot was freed: the oldest waiting job of `name` gets a runner somewhere.
// Errors are left to the reapers' next pass.
void wake_next(const job_dicts& d, const job_dispatch& dispatch, const std::string& name) {
  try {
    if (auto next = first_waiting(d.queue, name))
      dispatch(name, {{"id", *next}});
  } catch (const error&) {
    // the reapers' next pass wakes it
  }
}

// -- runs -------------------------------------------------------------------------

// What a running job sees.
class context : public job_context {
public:
  context(dict jobs, job_id id, std::string node, uint32_t attempt)
    : jobs_(std::move(jobs)), id_(std::move(id)), node_(std::move(node)), attempt_(attempt) {}

  void yield(const value& v) override {
    change_record(jobs_, id_, [&](value& r) {
      if (!runs(r, node_, attempt_)) {
        cancelled_ = true; // given up: the result of this run is dropped
        return false;
      }
      r["result"] = v;
      return true;
    });
  }

  bool cancelled() override {
    auto now = std::chrono::steady_clock::now();
    if (!cancelled_ && now - last_check_ > std::chrono::milliseconds(20)) {
      last_check_ = now;
      auto r = jobs_.get(id_);
      cancelled_ = !r || !runs(*r, node_, attempt_)
                   || status_of(*r) == job_status::cancelling;
    }
    return cancelled_;
  }

  const job_id& id() const override { return id_; }

private:
  dict jobs_;
  job_id id_;
  std::string node_;
  uint32_t attempt_;
  bool cancelled_ = false;
  std::chrono::steady_clock::time_point last_check_{};
};

// The hidden function "__job:<name>" of one node.
class runner {
public:
  runner(job_dicts d, std::string name, job_body body, job_options opts, std::string node,
         job_dispatch dispatch)
    : d_(std::move(d)), name_(std::move(name)), body_(std::move(body)), opts_(opts),
      node_(std::move(node)), dispatch_(std::move(dispatch)) {}

  // Job `id` was started (or woken): run it, or with a max_concurrency, line
  // it up and run the oldest waiting job if a slot is free.
  void on(const job_id& id) {
    if (opts_.max_concurrency == 0) {
      if (auto record = claim(id, -1))
        run(id, *record);
      return;
    }
    auto r = d_.jobs.get(id);
    if (r && status_of(*r) == job_status::pending && r->value("name", "") == name_) {
      d_.queue.set_if_absent(id, name_); // on error, a reaper lines it up (reap_records)
    }
    serve();
  }

private:
  // PENDING -> RUNNING here, in slot `slot` (-1: none); the record as written,
  // or nothing when the job is no longer PENDING (cancelled, taken, removed).
  std::optional<value> claim(const job_id& id, int64_t slot) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    auto token = node_ + "/" + std::to_string(rng()); // tells a retry its own claim
    bool claimed = false;
    value written;
    try {
      written = patiently(d_.jobs, [&] {
        return change_record(d_.jobs, id, [&](value& r) {
          claimed = r.value("run", "") == token && runs(r, node_, r.value("attempts", 0u));
          if (claimed)
            return false; // a try whose answer was lost went through
          claimed = status_of(r) == job_status::pending;
          if (!claimed)
            return false;
          take(r, token, slot);
          return true;
        });
      });
    } catch (const job_not_found&) {
      return std::nullopt; // removed meanwhile
    }
    return claimed ? std::optional<value>{written} : std::nullopt;
  }

  // The claim itself: `r` runs here from now on.
  void take(value& r, const std::string& token, int64_t slot) {
    r["status"] = to_string(job_status::running);
    r["node"] = node_;
    r["attempts"] = r.value("attempts", 0u) + 1;
    r["started"] = now_ms();
    r["slot"] = slot;
    r["max_retries"] = opts_.max_retries;
    r["max_concurrency"] = opts_.max_concurrency;
    r["run"] = token;
  }

  // Runs the oldest waiting job once it holds a slot. Returns when none waits
  // or every slot is held (each of those jobs wakes the next when it ends).
  void serve() {
    for (int tries = 0; tries < 100; ++tries) {
      auto id = oldest_pending(d_, name_);
      if (!id)
        return;
      auto held = holder(*id, node_);
      auto slot = claim_slot(d_.slots, name_, opts_.max_concurrency, held);
      if (slot < 0)
        return;
      std::optional<value> record;
      {
        slot_guard guard{d_.slots, name_, slot, held};
        record = claim(*id, slot);
        if (!record)
          continue; // taken by another runner or cancelled meanwhile: the next one
        drop_entry(*id);
        run(*id, *record);
      }
      wake_next(d_, dispatch_, name_);
      return;
    }
  }

  // A job that runs waits no more; a stale entry is harmless (runners skip
  // it), a job claimed but never run is not.
  void drop_entry(const job_id& id) {
    try {
      d_.queue.erase(id);
    } catch (const error&) {
      // dropped by oldest_pending once the job has ended
    }
  }

  // Runs the body for attempt `record["attempts"]` and records how it ended,
  // unless the reaper gave this run up meanwhile.
  void run(const job_id& id, const value& record) {
    auto attempt = record.value("attempts", 0u);
    context ctx{d_.jobs, id, node_, attempt};
    value result;
    std::string failure;
    bool ok = true;
    try {
      result = body_(ctx, record.at("input"));
    } catch (const std::exception& e) {
      ok = false;
      failure = e.what();
    } catch (...) {
      ok = false;
      failure = "an exception that is not a std::exception";
    }
    auto end = [&](value& r) {
      if (!runs(r, node_, attempt))
        return false; // given up by a reaper: another run owns the record
      bool cancelling = status_of(r) == job_status::cancelling;
      if (!ok) {
        r["status"] = to_string(cancelling ? job_status::cancelled : job_status::failed);
        r["error"] = "job '" + id + "' failed on node '" + node_ + "': " + failure;
      } else {
        r["status"] = to_string(cancelling ? job_status::cancelled : job_status::succeeded);
        if (!result.is_null()) // null keeps the last value yielded
          r["result"] = result;
      }
      r["finished"] = now_ms();
      return true;
    };
    try {
      patiently(d_.jobs, [&] { return change_record(d_.jobs, id, end); });
    } catch (const job_not_found&) {
      // given up, ended by a reaper and removed meanwhile
    }
  }

  job_dicts d_;
  std::string name_;
  job_body body_;
  job_options opts_;
  std::string node_;
  job_dispatch dispatch_;
};

// -- the reaper -------------------------------------------------------------------

// A job put back to PENDING gets a runner. It was put in the waiting line
// first (see reap_one), where it stays with a max_concurrency; without one it
// leaves the line once a runner has it (else a reaper's pass dispatches it).
void run_again(job_dicts& d, const reap_context& c, const std::string& name, const job_id& id,
               std::size_t limit) {
  try {
    c.dispatch(name, {{"id", id}});
    if (limit == 0)
      d.queue.erase(id);
  } catch (const error&) {
    // still in the line: the next pass dispatches it
  }
}

// Why the run of `record` ended without a word, or "" when it may still run.
std::string why_lost(const value& record, const reap_context& c,
                     std::map<std::string, bool>& dead) {
  auto node = record.value("node", "");
  if (node == c.self && record.value("started", int64_t{0}) < c.self_started_ms)
    return "node '" + node + "' restarted while the job ran";
  if (node == c.self || node.empty())
    return "";
  auto i = dead.find(node);
  if (i == dead.end())
    i = dead.emplace(node, c.is_dead(node)).first; // one look per node and pass
  return i->second ? "node '" + node + "' cannot be reached: it died while the job ran" : "";
}

// Ends or re-queues job `id` (read as `seen`) whose run on `node` was lost;
// true when it did.
bool reap_one(job_dicts& d, const reap_context& c, const job_id& id, const value& seen,
              const std::string& why) {
  auto node = seen.value("node", "");
  auto name = seen.value("name", "");
  // Into the line before the record says PENDING, so that a job never is
  // PENDING with nothing to run it (an entry of a job that is not PENDING is
  // skipped, and dropped once it has ended).
  if (status_of(seen) == job_status::running
      && seen.value("attempts", 0u) <= seen.value("max_retries", 0u))
    d.queue.set(id, name);
  bool changed = false, again = false;
  value before;
  change_record(d.jobs, id, [&](value& r) {
    changed = again = false;
    auto st = status_of(r);
    if (!active(st) || r.value("node", "") != node)
      return false; // it moved on meanwhile
    before = r;
    auto attempts = r.value("attempts", 0u);
    again = st == job_status::running && attempts <= r.value("max_retries", 0u);
    if (again) {
      r["status"] = to_string(job_status::pending);
      r["node"] = "";
      r["error"] = "job '" + id + "': attempt " + std::to_string(attempts) + " ended: " + why
                   + "; it runs again";
    } else {
      r["status"] = to_string(st == job_status::cancelling ? job_status::cancelled
                                                           : job_status::failed);
      r["error"] = "job '" + id + "': " + why;
      r["finished"] = now_ms();
    }
    r["slot"] = -1;
    changed = true;
    return true;
  });
  if (!changed)
    return false;
  auto limit = before.value("max_concurrency", std::size_t{0});
  free_slot_if(d.slots, name, before.value("slot", int64_t{-1}), [&](const value& h) {
    return h.value("job", "") == id && h.value("node", "") == node;
  });
  if (again)
    run_again(d, c, name, id, limit);
  else if (limit > 0)
    wake_next(d, c.dispatch, name); // its slot is free now
  return true;
}

// A PENDING job of a name with a max_concurrency registered here must be in
// the waiting line, or nothing would ever run it (its runner could not put it
// there: the line's owner was out of reach).
void line_up(job_dicts& d, const reap_context& c, const job_id& id, const value& record) {
  auto name = record.value("name", "");
  auto i = c.registered.find(name);
  if (i != c.registered.end() && i->second.max_concurrency > 0 && !d.queue.contains(id))
    d.queue.set_if_absent(id, name);
}

// Marks every record whose run was lost (see job_caller::reap).
std::size_t reap_records(job_dicts& d, const reap_context& c) {
  std::size_t reaped = 0;
  std::map<std::string, bool> dead;
  std::string after;
  for (;;) {
    auto page = d.jobs.keys_page(after, 500);
    for (auto& id : page) {
      auto v = d.jobs.get(id);
      if (v && status_of(*v) == job_status::pending)
        line_up(d, c, id, *v);
      if (!v || !active(status_of(*v)))
        continue;
      auto why = why_lost(*v, c, dead);
      if (why.empty())
        continue;
      try {
        reaped += reap_one(d, c, id, *v, why) ? 1 : 0;
      } catch (const job_not_found&) {
        // removed meanwhile
      }
    }
    if (page.size() < 500)
      return reaped;
    after = page.back();
  }
}

// true when the holder `h` of slot `i` no longer needs it: its job ended or
// runs elsewhere, or it never got to run and its runner is gone.
bool slot_abandoned(dict& jobs, const reap_context& c, int64_t i, const value& h) {
  auto r = jobs.get(h.value("job", ""));
  if (!r || ended(status_of(*r)))
    return true;
  auto node = h.value("node", "");
  if (active(status_of(*r)))
    return r->value("node", "") != node || r->value("slot", int64_t{-1}) != i;
  // PENDING: its runner may be between the slot and the record.
  auto since = h.value("since", int64_t{0});
  if (node == c.self)
    return since < c.self_started_ms || now_ms() - since > stale_claim_ms;
  return now_ms() - since > stale_claim_ms || c.is_dead(node);
}

// Frees the abandoned slots of job `name`; returns how many slots are free.
std::size_t sweep_slots(job_dicts& d, const reap_context& c, const std::string& name,
                        std::size_t limit) {
  std::size_t free = 0;
  for (std::size_t i = 0; i < limit; ++i) {
    auto key = slot_key(name, static_cast<int64_t>(i));
    auto v = d.slots.get(key);
    if (!v || v->is_null()) {
      ++free;
      continue;
    }
    free += free_slot_if(d.slots, name, static_cast<int64_t>(i), [&](const value& h) {
      return slot_abandoned(d.jobs, c, static_cast<int64_t>(i), h);
    });
  }
  return free;
}

// Dispatches the waiting jobs of `name`: one runner per free slot, or every
// one of them when the name has no limit (they waited for a node to run them).
void wake_waiting(job_dicts& d, const reap_context& c, const std::string& name,
                  std::size_t limit) {
  if (!first_waiting(d.queue, name))
    return; // free slots matter only to waiting jobs
  std::size_t budget = limit > 0 ? sweep_slots(d, c, name, limit) : 100;
  std::vector<job_id> ids;
  if (budget > 0)
    each_id(d.queue, name, [&](const std::string& id) {
      ids.push_back(id);
      return ids.size() < budget;
    });
  for (auto& id : ids) {
    c.dispatch(name, {{"id", id}}); // errors: the next pass tries again
    if (limit == 0)
      d.queue.erase(id); // its runner has it now
  }
}

} // namespace

job_caller::job_caller(std::string name, job_dicts dicts, std::shared_ptr<function_caller> runner)
  : name_(std::move(name)), dicts_(std::move(dicts)), runner_(std::move(runner)) {
  // nop
}

void job_caller::check(const std::string& name, const job_options& opts) {
  if (opts.max_concurrency > max_job_concurrency)
    throw invalid_argument(
      errc::invalid_argument,
      "job '" + name + "': max_concurrency " + std::to_string(opts.max_concurrency)
        + " is over the limit of " + std::to_string(max_job_concurrency)
        + " (every start probes the slots one by one); use 1.."
        + std::to_string(max_job_concurrency) + ", or 0 for no limit");
}

job_id job_caller::start(const value& input) const {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "-%013lld-%06llx", static_cast<long long>(now_ms()),
                static_cast<unsigned long long>(rng() & 0xffffff));
  job_id id = name_ + buf;
  value record = {{"name", name_},    {"status", to_string(job_status::pending)},
                  {"input", input},   {"result", nullptr},
                  {"error", ""},      {"node", ""},
                  {"attempts", 0},    {"created", now_ms()},
                  {"started", 0},     {"finished", 0}};
  if (!dicts_.jobs.set_if_absent(id, record))
    return start(input); // the same id twice: draw again
  try {
    runner_->send({{"id", id}});
  } catch (const error& e) {
    change_record(dicts_.jobs, id, [&](value& r) {
      r["status"] = to_string(job_status::failed);
      r["error"] = std::string{"could not be started: "} + e.what();
      r["finished"] = now_ms();
      return true;
    });
    throw;
  }
  return id;
}

job_record job_caller::get(const job_id& id) const {
  auto v = dicts_.jobs.get(id);
  if (!v || (*v).value("name", "") != name_)
    not_found(id);
  return to_record(id, *v);
}

bool job_caller::cancel(const job_id& id) const {
  get(id); // job_not_found for other names' ids too
  bool asked = false, was_pending = false;
  change_record(dicts_.jobs, id, [&](value& r) {
    auto st = status_of(r);
    asked = st == job_status::pending || st == job_status::running
            || st == job_status::cancelling;
    was_pending = st == job_status::pending;
    if (was_pending) {
      r["status"] = to_string(job_status::cancelled);
      r["finished"] = now_ms();
    } else if (st == job_status::running) {
      r["status"] = to_string(job_status::cancelling);
    } else {
      return false;
    }
    return true;
  });
  if (was_pending)
    dicts_.queue.erase(id); // it waits no more (a runner would skip it anyway)
  return asked;
}

std::vector<job_id> job_caller::list() const {
  std::vector<job_id> out;
  each_id(dicts_.jobs, name_, [&](const std::string& id) {
    out.push_back(id);
    return true;
  });
  return out;
}

bool job_caller::remove(const job_id& id) const {
  auto r = get(id);
  if (!ended(r.status))
    return false;
  return dicts_.jobs.erase(id);
}

std::size_t job_caller::reap(job_dicts& dicts, const reap_context& c) {
  auto reaped = reap_records(dicts, c);
  for (auto& [name, opts] : c.registered) {
    try {
      wake_waiting(dicts, c, name, opts.max_concurrency);
    } catch (const error&) {
      // a dict or every runner is unreachable right now: next pass
    }
  }
  return reaped;
}

function_body job_caller::runner_body(job_dicts dicts, std::string name, job_body body,
                                      job_options opts, std::string node_name,
                                      job_dispatch dispatch) {
  auto r = std::make_shared<runner>(std::move(dicts), std::move(name), std::move(body), opts,
                                    std::move(node_name), std::move(dispatch));
  return [r](const value& arg) -> value {
    r->on(arg.at("id").get<std::string>());
    return nullptr;
  };
}

} // namespace detail

job_id job_handle::start(const value& input) const {
  return impl_->start(input);
}

job_record job_handle::get(const job_id& id) const {
  return impl_->get(id);
}

bool job_handle::cancel(const job_id& id) const {
  return impl_->cancel(id);
}

std::vector<job_id> job_handle::list() const {
  return impl_->list();
}

bool job_handle::remove(const job_id& id) const {
  return impl_->remove(id);
}

} // namespace mn
