#include "actors/function_runner.hpp"

#include "actors/caf_errors.hpp"
#include "actors/function_protocol.hpp"
#include "storage/codec.hpp"

#include <caf/all.hpp>

#include <condition_variable>
#include <deque>
#include <thread>
#include <vector>

namespace mn::actors {

std::vector<std::string> function_table::describe() const {
  std::lock_guard<std::mutex> guard{mu_};
  std::vector<std::string> out;
  for (auto& [name, e] : entries_)
    out.push_back(name + "|" + std::to_string(e->timeout.count()) + "|"
                  + std::to_string(e->max_retries));
  return out;
}

namespace {

struct job {
  uint64_t id = 0;
  std::string name;
  std::shared_ptr<function_entry> fn;
  std::vector<std::string> args; // one call each, in order
  bool many = false;             // answer with all results (fcallmany)
};

// Worker threads that run function bodies and report to the runner.
class worker_pool {
public:
  worker_pool(std::size_t threads, std::string node_name, caf::actor_addr runner)
    : node_name_(std::move(node_name)), runner_(std::move(runner)) {
    for (std::size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this] { run(); });
  }

  ~worker_pool() {
    {
      std::lock_guard<std::mutex> guard{mu_};
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      t.join(); // running bodies finish first
  }

  void push(job j) {
    {
      std::lock_guard<std::mutex> guard{mu_};
      queue_.push_back(std::move(j));
    }
    cv_.notify_one();
  }

private:
  void run() {
    for (;;) {
      job j;
      {
        std::unique_lock<std::mutex> guard{mu_};
        cv_.wait(guard, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty())
          return;
        j = std::move(queue_.front());
        queue_.pop_front();
      }
      bool ok = true;
      std::string payload;
      std::vector<std::string> outs;
      outs.reserve(j.args.size());
      for (auto& bytes : j.args) {
        ok = false;
        value arg;
        std::string out;
        if (auto st = storage::decode(bytes, arg); !st) {
          payload = st.message();
        } else {
          try {
            auto result = j.fn->body(arg);
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
        payload = "function '" + j.name + "' failed on node '" + node_name_ + "': " + payload;
      else if (!j.many)
        payload = std::move(outs.front());
      if (auto self = caf::actor_cast<caf::actor>(runner_))
        caf::anon_send(self, fdone_atom::value, j.id, ok, std::move(payload), std::move(outs));
    }
  }

  std::string node_name_;
  caf::actor_addr runner_; // weak: the pool must not keep the runner alive
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

struct runner_state {
  std::string node_name;
  std::shared_ptr<function_table> table;
  std::unique_ptr<worker_pool> pool;
  uint64_t next_id = 1;
  struct call {
    std::string name;
    caf::response_promise rp;
    bool many = false;
  };
  std::map<uint64_t, call> running;
  std::map<std::string, std::size_t> active;        // running calls per function
  std::map<std::string, std::deque<job>> waiting;   // over max_concurrency
  std::map<uint64_t, caf::response_promise> parked; // promises of waiting jobs
  static inline const char* name = "mn.function_runner";
};

using self_ptr = caf::stateful_actor<runner_state>*;

void dispatch(self_ptr self, job j, caf::response_promise rp) {
  auto& st = self->state;
  ++st.active[j.name];
  st.running.emplace(j.id, runner_state::call{j.name, std::move(rp), j.many});
  st.pool->push(std::move(j));
}

// Runs (or queues, over max_concurrency) one request of `name` with `args`.
caf::response_promise submit(self_ptr self, std::string name, std::vector<std::string> args,
                             bool many) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto fn = st.table->find(name);
  if (!fn) {
    rp.deliver(make_error(errc::unknown_function, "function '" + name
                                                    + "' is not registered on node '"
                                                    + st.node_name + "'"));
    return rp;
  }
  job j{st.next_id++, name, fn, std::move(args), many};
  if (fn->max_concurrency > 0 && st.active[name] >= fn->max_concurrency) {
    st.parked.emplace(j.id, rp);
    st.waiting[name].push_back(std::move(j));
    return rp;
  }
  dispatch(self, std::move(j), rp);
  return rp;
}

caf::behavior function_runner(self_ptr self, std::string node_name,
                              std::shared_ptr<function_table> table, std::size_t threads) {
  self->state.node_name = node_name;
  self->state.table = std::move(table);
  self->state.pool = std::make_unique<worker_pool>(threads, node_name, self->address());
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    auto stopping = make_error(errc::unavailable, "node '" + st.node_name
                                                    + "' is stopping; the call did not run");
    for (auto& [id, rp] : st.parked)
      rp.deliver(stopping);
    st.parked.clear();
    st.waiting.clear();
    st.pool.reset(); // waits for the running bodies
    auto ended = make_error(errc::unavailable, "node '" + st.node_name
                                                 + "' stopped while the call ran");
    for (auto& [id, c] : st.running)
      c.rp.deliver(ended);
    st.running.clear();
    self->quit(msg.reason);
  });
  return {
    [=](fcall_atom, std::string& name, std::string& arg) -> caf::result<std::string> {
      return submit(self, std::move(name), {std::move(arg)}, false);
    },
    [=](fcallmany_atom, std::string& name,
        std::vector<std::string>& args) -> caf::result<std::vector<std::string>> {
      return submit(self, std::move(name), std::move(args), true);
    },
    [=](fdone_atom, uint64_t id, bool ok, std::string& payload, std::vector<std::string>& outs) {
      auto& st = self->state;
      auto i = st.running.find(id);
      if (i == st.running.end())
        return;
      auto name = i->second.name;
      if (ok && i->second.many)
        i->second.rp.deliver(std::move(outs));
      else if (ok)
        i->second.rp.deliver(std::move(payload));
      else
        i->second.rp.deliver(make_error(errc::function_failed, std::move(payload)));
      st.running.erase(i);
      --st.active[name];
      auto& q = st.waiting[name];
      if (!q.empty()) {
        auto next = std::move(q.front());
        q.pop_front();
        auto rp = std::move(st.parked[next.id]);
        st.parked.erase(next.id);
        dispatch(self, std::move(next), std::move(rp));
      }
    },
    [=](flist_atom) { return self->state.table->describe(); },
  };
}

} // namespace

caf::actor spawn_function_runner(caf::actor_system& sys, std::string node_name,
                                 std::shared_ptr<function_table> table, std::size_t threads) {
  // Not detached: its handlers never block (bodies run on the pool), and a
  // detached actor that something still references when the system stops
  // keeps actor_system's destructor waiting forever (seen with this runner in
  // bench/function_run.sh: CAF 0.17 waits for the private thread until the
  // actor object is destroyed). Only its exit handler blocks, joining the pool.
  return sys.spawn(function_runner, std::move(node_name), std::move(table), threads);
}

} // namespace mn::actors
