#pragma once
// worker_pool: the threads that run a node's plain function bodies, so that
// user code may block or run long without stalling CAF's scheduler. Calls of
// a function with max_concurrency beyond its limit wait here, in arrival
// order. Plain threads (the fast path's server, local callers) submit
// directly; the runner actor submits for calls that came over CAF. No CAF in
// here.
#include "actors/function_table.hpp"

#include <mn/errc.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mn::actors {

/// One request: one call per argument, run in order on one thread.
struct pool_task {
  std::string name;
  std::shared_ptr<function_entry> fn;
  std::vector<std::string> args; // encoded arguments
  bool many = false;             // the caller wants every result (fcallmany)
  /// Called once: code none with the result's bytes (payload; or outs when
  /// many), function_failed with the message (naming the node), or
  /// unavailable when the pool stopped before the call ran.
  std::function<void(errc code, std::string payload, std::vector<std::string> outs)> done;
};

class worker_pool {
public:
  worker_pool(std::size_t threads, std::string node_name);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Runs `t` on a worker thread, or queues it while its function already
  /// runs max_concurrency calls. `t.done` runs on a worker thread (or here,
  /// when stopped).
  void submit(pool_task t);
  /// Runs `t` on the calling thread when a worker would take it at once (a
  /// body slot is free, nothing queued, its function under max_concurrency):
  /// it saves two thread hand-offs for callers that wait anyway (the fast
  /// path's connection threads). Else submit(t). Either way, at most
  /// `threads` bodies run at once.
  void run_or_submit(pool_task t);
  /// true on a thread that runs a body of a pool now (a worker, or a thread
  /// inside run_or_submit). A call made from such a thread to this node's
  /// functions runs on it (run_or_submit ignores the thread limit there):
  /// waiting for another worker could deadlock when every worker waits so.
  static bool in_body() noexcept;
  /// Fails the calls still waiting for their function (unavailable), lets
  /// the queued and running ones finish, joins the threads. Idempotent.
  void stop();

private:
  void run();
  void execute(pool_task& t);
  // After a body of `name` ended. REQUIRES: mu_ held.
  void release(const std::string& name);
  // Wakes the workers a body's end may concern. REQUIRES: mu_ held.
  void wake_after_body();

  std::string node_name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pool_task> ready_;
  std::map<std::string, std::deque<pool_task>> waiting_; // over max_concurrency
  std::map<std::string, std::size_t> active_;             // ready or running, per function
  std::size_t running_ = 0; // bodies running, on workers or inline
  std::size_t limit_ = 0;   // the most bodies at once (the thread count)
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

} // namespace mn::actors
