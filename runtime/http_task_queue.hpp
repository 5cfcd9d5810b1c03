#pragma once
// runtime::http_task_queue: the thread pool of the HTTP server. cpp-httplib
// gives each connection to one task for its whole life, and a task waits up to
// the keep-alive timeout for a request that may never come; with a fixed pool,
// a few hundred idle connections (a careless client, or a hostile one) made
// every real request wait for all of them (200 idle connections: 43 s on 8
// threads). This pool starts `min_threads`, adds a thread whenever a task
// arrives and none is free, up to `max_threads` (tasks beyond wait in order),
// and lets threads above `min_threads` end after `idle` without work.
// Included by http_server.cpp alone (it needs httplib.h).
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mn::runtime {

class http_task_queue final : public httplib::TaskQueue {
public:
  http_task_queue(std::size_t min_threads, std::size_t max_threads,
                  std::chrono::milliseconds idle)
    : min_(min_threads), max_(max_threads < min_threads ? min_threads : max_threads),
      idle_(idle) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < min_; ++i)
      spawn_locked();
  }
  ~http_task_queue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    reap_locked();
    if (waiting_ < jobs_.size() && live_ < max_)
      spawn_locked();
    else
      cond_.notify_one();
  }

  /// Runs every queued task, then joins every thread.
  void shutdown() override {
    std::vector<std::thread> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ && threads_.empty() && ended_.empty())
        return;
      stopping_ = true;
      all.swap(threads_);
      for (auto& t : ended_)
        all.push_back(std::move(t));
      ended_.clear();
    }
    cond_.notify_all();
    for (auto& t : all)
      if (t.joinable())
        t.join();
  }

  /// Threads alive now (for tests and figures).
  std::size_t threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

private:
  void spawn_locked() {
    ++live_;
    threads_.emplace_back([this] { work(); });
  }

  // Joins threads that ended by themselves (never the caller's own).
  void reap_locked() {
    for (auto& t : ended_)
      if (t.joinable() && t.get_id() != std::this_thread::get_id())
        t.join();
    ended_.clear();
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ++waiting_;
      bool woke = cond_.wait_for(lock, idle_, [&] { return !jobs_.empty() || stopping_; });
      --waiting_;
      if (!woke && live_ > min_) {
        // Idle too long and above the floor: end; the next enqueue joins us.
        --live_;
        auto self = std::this_thread::get_id();
        for (auto it = threads_.begin(); it != threads_.end(); ++it)
          if (it->get_id() == self) {
            ended_.push_back(std::move(*it));
            threads_.erase(it);
            break;
          }
        return;
      }
      if (jobs_.empty()) {
        if (stopping_)
          return;
        continue;
      }
      auto fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  const std::size_t min_, max_;
  const std::chrono::milliseconds idle_;
  mutable std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_, ended_;
  std::size_t live_ = 0, waiting_ = 0;
  bool stopping_ = false;
};

} // namespace mn::runtime
