#include "actors/worker_pool.hpp"

#include "storage/codec.hpp"

namespace mn::actors {

worker_pool::worker_pool(std::size_t threads, std::string node_name)
  : node_name_(std::move(node_name)), limit_(threads) {
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { run(); });
}

worker_pool::~worker_pool() {
  stop();
}

void worker_pool::submit(pool_task t) {
  std::unique_lock<std::mutex> guard{mu_};
  if (stop_) {
    guard.unlock();
    t.done(errc::unavailable, "node '" + node_name_ + "' is stopping; the call did not run", {});
    return;
  }
  auto limit = t.fn->max_concurrency;
  auto& active = active_[t.name];
  if (limit > 0 && active >= limit) {
    waiting_[t.name].push_back(std::move(t));
    return;
  }
  ++active;
  ready_.push_back(std::move(t));
  guard.unlock();
  cv_.notify_one();
}

namespace {

thread_local int body_depth = 0; // bodies running on this thread, nested

struct in_body_scope {
  in_body_scope() { ++body_depth; }
  ~in_body_scope() { --body_depth; }
};

} // namespace

bool worker_pool::in_body() noexcept {
  return body_depth > 0;
}

void worker_pool::run_or_submit(pool_task t) {
  {
    std::unique_lock<std::mutex> guard{mu_};
    auto limit = t.fn->max_concurrency;
    // A nested call holds its caller's slot already: it needs no other.
    bool room = in_body() || (ready_.empty() && running_ < limit_);
    if (!stop_ && room && (limit == 0 || active_[t.name] < limit)) {
      ++active_[t.name];
      ++running_;
      guard.unlock();
      execute(t);
      guard.lock();
      --running_;
      release(t.name);
      wake_after_body();
      return;
    }
  }
  submit(std::move(t));
}

void worker_pool::release(const std::string& name) {
  // The slot goes to the next call of the same function, if one waits.
  auto& q = waiting_[name];
  if (!q.empty()) {
    ready_.push_back(std::move(q.front()));
    q.pop_front();
  } else {
    --active_[name];
  }
}

void worker_pool::wake_after_body() {
  if (stop_)
    cv_.notify_all(); // idle workers may now leave
  else if (!ready_.empty())
    cv_.notify_one(); // a worker may have waited for the slot
}

void worker_pool::stop() {
  std::map<std::string, std::deque<pool_task>> waiting;
  {
    std::lock_guard<std::mutex> guard{mu_};
    if (stop_ && threads_.empty())
      return;
    stop_ = true;
    waiting.swap(waiting_);
  }
  cv_.notify_all();
  for (auto& [name, q] : waiting)
    for (auto& t : q)
      t.done(errc::unavailable, "node '" + node_name_ + "' is stopping; the call did not run",
             {});
  for (auto& th : threads_)
    th.join(); // queued and running bodies finish first
  std::lock_guard<std::mutex> guard{mu_};
  threads_.clear();
}

void worker_pool::run() {
  std::unique_lock<std::mutex> guard{mu_};
  for (;;) {
    // Inline runs (run_or_submit) count against the same limit.
    cv_.wait(guard, [this] {
      return (stop_ && ready_.empty()) || (!ready_.empty() && running_ < limit_);
    });
    if (ready_.empty())
      return;
    auto t = std::move(ready_.front());
    ready_.pop_front();
    ++running_;
    guard.unlock();
    execute(t);
    guard.lock();
    --running_;
    release(t.name);
    wake_after_body();
  }
}

void worker_pool::execute(pool_task& t) {
  in_body_scope scope;
  bool ok = true;
  std::string payload;
  std::vector<std::string> outs;
  outs.reserve(t.args.size());
  for (auto& bytes : t.args) {
    ok = false;
    value arg;
    std::string out;
    if (auto st = storage::decode(bytes, arg); !st) {
      payload = st.message();
    } else {
      try {
        auto result = t.fn->body(arg);
        auto st2 = storage::encode(result, out);
        ok = st2.is_ok();
        if (!ok)
          payload = "its result: " + st2.message();
      } catch (const std::exception& e) {
        payload = e.what();
      } catch (...) {
        payload = "an exception that is not a std::exception";
      }
    }
    if (!ok)
      break;
    outs.push_back(std::move(out));
  }
  if (!ok)
    t.done(errc::function_failed,
           "function '" + t.name + "' failed on node '" + node_name_ + "': " + payload, {});
  else if (!t.many)
    t.done(errc::none, std::move(outs.front()), {});
  else
    t.done(errc::none, {}, std::move(outs));
}

} // namespace mn::actors
