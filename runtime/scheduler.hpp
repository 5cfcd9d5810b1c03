#pragma once
// scheduler: a node's scheduled tasks (see <mn/schedule.hpp>). One thread
// per node sleeps until the next due time of any task; each task due then
// gets a tick on the node's function threads, which claims the period and
// runs the body (on the function threads too).
//
// Claims: a period is won by the node that gets set_if_absent of
// "<task>@<period>" in a majority of the claim dicts (up to three system
// dicts owned by different nodes), trying them in one order and giving up at
// the first one another node holds. Two nodes can never both hold a majority,
// and while a majority of those owners is up, periods keep running, whoever
// else died. A claim records the node and its incarnation (start time), so a
// claim retried after a lost answer is recognised as one's own.
//
// Records: "__schedules" holds one record per task (spec, next due time,
// last run, outcome, node, counters); see schedule_info.
#include "runtime/schedule_spec.hpp"

#include <mn/dict.hpp>
#include <mn/schedule.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mn::detail {

class scheduler {
public:
  /// What the node provides.
  struct hooks {
    std::string self;                     // this node's name
    int64_t incarnation = 0;              // when this node started (Unix ms)
    std::vector<dict> claims;             // the claim dicts, in claiming order
    dict records;                         // "__schedules"
    /// Runs `work` on the node's function threads, soon; never blocks. It
    /// must run `work` even when the threads are stopping (then at once).
    std::function<void(std::function<void()> work)> run;
    /// true when member `node` is known to be gone (dead or not a member).
    std::function<bool(const std::string& node)> is_dead;
    /// The clock (tests may give another).
    std::function<sys_time()> now = [] { return std::chrono::system_clock::now(); };
  };

  explicit scheduler(hooks h);
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  /// Adds (or replaces) task `name`. Its record is created when absent.
  void add(const std::string& name, schedule_spec spec, schedule_body body,
           schedule_options opts);
  /// Stops the thread; runs already started finish on their own.
  void stop();

  /// Every task recorded in `records`, sorted by name.
  static std::vector<schedule_info> list(dict& records);

private:
  struct task;
  void loop();
  void tick(task& t, sys_time now);
  enum class claim_result { won, lost, unreachable };
  claim_result claim(const std::string& name, sys_time period);
  void prune_claims(const std::string& name);
  void start_run(const std::shared_ptr<task>& t, sys_time period);
  bool still_running(const std::string& name, const value& running);

  hooks h_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::size_t ticking_ = 0; // ticks in flight on the function threads
  std::map<std::string, std::shared_ptr<task>> tasks_;
  std::thread thread_;
};

} // namespace mn::detail
