// Jobs on top of functions and dicts: a job of name N is run by the hidden
// function "__job:N" on a node that registered it; its record lives in the
// system dict "__jobs" under its id and every change to it is a
// compare-and-set, so a cancel() racing the job's own updates is never lost.
//
//   id     := N "-" <creation time, 13 decimal digits of Unix ms> "-" <6 hex digits>
//   record := {"name", "status", "input", "result", "error", "node", "attempts",
//              "created", "started", "finished"}   (times in Unix ms)
#include "runtime/jobs.hpp"

#include <mn/error.hpp>

#include <chrono>
#include <cstdio>
#include <map>
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

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

job_status parse_status(const std::string& s) {
  for (auto st : {job_status::pending, job_status::running, job_status::succeeded,
                  job_status::failed, job_status::cancelling, job_status::cancelled})
    if (s == to_string(st))
      return st;
  return job_status::failed;
}

bool ended(job_status s) {
  return s == job_status::succeeded || s == job_status::failed || s == job_status::cancelled;
}

job_record to_record(const job_id& id, const value& v) {
  job_record r;
  r.id = id;
  r.name = v.value("name", "");
  r.status = parse_status(v.value("status", "FAILED"));
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
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto current = jobs.get(id);
    if (!current)
      not_found(id);
    value next = *current;
    if (!change(next))
      return *current;
    if (jobs.update(id, next, *current))
      return next;
  }
  throw unavailable(errc::unavailable, "job '" + id + "': its record kept changing; retry");
}

// What a running job sees.
class context : public job_context {
public:
  context(dict jobs, job_id id) : jobs_(std::move(jobs)), id_(std::move(id)) {}

  void yield(const value& v) override {
    change_record(jobs_, id_, [&](value& r) {
      r["result"] = v;
      return true;
    });
  }

  bool cancelled() override {
    auto now = std::chrono::steady_clock::now();
    if (!cancelled_ && now - last_check_ > std::chrono::milliseconds(20)) {
      last_check_ = now;
      auto r = jobs_.get(id_);
      cancelled_ = !r || (*r)["status"] == to_string(job_status::cancelling);
    }
    return cancelled_;
  }

  const job_id& id() const override { return id_; }

private:
  dict jobs_;
  job_id id_;
  bool cancelled_ = false;
  std::chrono::steady_clock::time_point last_check_{};
};

} // namespace

job_caller::job_caller(std::string name, dict jobs, std::shared_ptr<function_caller> runner)
  : name_(std::move(name)), jobs_(std::move(jobs)), runner_(std::move(runner)) {
  // nop
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
  if (!jobs_.set_if_absent(id, record))
    return start(input); // the same id twice: draw again
  try {
    runner_->send({{"id", id}, {"input", input}});
  } catch (const error& e) {
    change_record(jobs_, id, [&](value& r) {
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
  auto v = jobs_.get(id);
  if (!v || (*v).value("name", "") != name_)
    not_found(id);
  return to_record(id, *v);
}

bool job_caller::cancel(const job_id& id) const {
  get(id); // job_not_found for other names' ids too
  bool asked = false;
  change_record(jobs_, id, [&](value& r) {
    auto st = parse_status(r["status"].get<std::string>());
    asked = false;
    if (st == job_status::pending) {
      r["status"] = to_string(job_status::cancelled);
      r["finished"] = now_ms();
    } else if (st == job_status::running) {
      r["status"] = to_string(job_status::cancelling);
    } else {
      return st == job_status::cancelling ? (asked = true, false) : false;
    }
    asked = true;
    return true;
  });
  return asked;
}

std::vector<job_id> job_caller::list() const {
  std::vector<job_id> out;
  auto prefix = name_ + "-";
  std::string after = prefix;
  for (;;) {
    auto page = jobs_.keys_page(after, 1000);
    for (auto& k : page) {
      if (k.compare(0, prefix.size(), prefix) != 0)
        return out;
      out.push_back(k);
    }
    if (page.size() < 1000)
      return out;
    after = page.back();
  }
}

bool job_caller::remove(const job_id& id) const {
  auto r = get(id);
  if (!ended(r.status))
    return false;
  return jobs_.erase(id);
}

std::size_t job_caller::reap(dict& jobs, const std::string& self, int64_t self_started_ms,
                             const std::function<bool(const std::string&)>& is_dead) {
  std::size_t reaped = 0;
  std::map<std::string, bool> dead; // one look per node and pass
  std::string after;
  for (;;) {
    auto page = jobs.keys_page(after, 500);
    for (auto& id : page) {
      auto v = jobs.get(id);
      if (!v)
        continue;
      auto st = parse_status(v->value("status", ""));
      if (st != job_status::running && st != job_status::cancelling)
        continue;
      auto node = v->value("node", "");
      std::string why;
      if (node == self && v->value("started", int64_t{0}) < self_started_ms) {
        why = "node '" + node + "' restarted while the job ran";
      } else if (node != self && !node.empty()) {
        auto i = dead.find(node);
        if (i == dead.end())
          i = dead.emplace(node, is_dead(node)).first;
        if (i->second)
          why = "node '" + node + "' cannot be reached: it died while the job ran";
      }
      if (why.empty())
        continue;
      try {
        bool changed = false;
        change_record(jobs, id, [&](value& r) {
          auto now_st = parse_status(r.value("status", ""));
          if ((now_st != job_status::running && now_st != job_status::cancelling)
              || r.value("node", "") != node)
            return false; // it moved on meanwhile
          r["status"] = to_string(now_st == job_status::cancelling ? job_status::cancelled
                                                                   : job_status::failed);
          r["error"] = "job '" + id + "': " + why;
          r["finished"] = now_ms();
          changed = true;
          return true;
        });
        reaped += changed ? 1 : 0;
      } catch (const job_not_found&) {
        // removed meanwhile
      }
    }
    if (page.size() < 500)
      return reaped;
    after = page.back();
  }
}

function_body job_caller::runner_body(dict jobs, job_body body, std::string node_name) {
  return [jobs, body, node_name](const value& arg) mutable -> value {
    job_id id = arg.at("id").get<std::string>();
    // Claim: PENDING -> RUNNING. A job cancelled before it ran stays CANCELLED.
    bool claimed = false;
    try {
      change_record(jobs, id, [&](value& r) {
        claimed = r["status"] == to_string(job_status::pending);
        if (!claimed)
          return false;
        r["status"] = to_string(job_status::running);
        r["node"] = node_name;
        r["attempts"] = r.value("attempts", 0u) + 1;
        r["started"] = now_ms();
        return true;
      });
    } catch (const job_not_found&) {
      return nullptr; // removed meanwhile
    }
    if (!claimed)
      return nullptr;
    context ctx{jobs, id};
    value result;
    std::string failure;
    bool ok = true;
    try {
      result = body(ctx, arg.at("input"));
    } catch (const std::exception& e) {
      ok = false;
      failure = e.what();
    } catch (...) {
      ok = false;
      failure = "an exception that is not a std::exception";
    }
    change_record(jobs, id, [&](value& r) {
      bool cancelling = r["status"] == to_string(job_status::cancelling);
      if (!ok) {
        r["status"] = to_string(cancelling ? job_status::cancelled : job_status::failed);
        r["error"] = "job '" + id + "' failed on node '" + node_name + "': " + failure;
      } else {
        r["status"] = to_string(cancelling ? job_status::cancelled : job_status::succeeded);
        if (!result.is_null()) // null keeps the last value yielded
          r["result"] = result;
      }
      r["finished"] = now_ms();
      return true;
    });
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
