#include "actors/function_runner.hpp"

#include "actors/caf_errors.hpp"
#include "actors/completion.hpp"
#include "actors/function_protocol.hpp"
#include "storage/codec.hpp"

#include <mn/actor_function.hpp>

#include <caf/all.hpp>

#include <deque>
#include <vector>

namespace mn::actors {

void function_table::stop_workers() {
  std::lock_guard<std::mutex> guard{mu_};
  for (auto& [name, e] : entries_)
    if (e->worker)
      caf::anon_send_exit(e->worker, caf::exit_reason::user_shutdown);
}

std::vector<std::string> function_table::describe() const {
  std::lock_guard<std::mutex> guard{mu_};
  std::vector<std::string> out;
  for (auto& [name, e] : entries_)
    out.push_back(name + "|" + std::to_string(e->timeout.count()) + "|"
                  + std::to_string(e->max_retries));
  return out;
}

namespace {

// A request as the runner keeps it.
struct job {
  uint64_t id = 0;
  std::string name;
  std::shared_ptr<function_entry> fn;
  std::vector<std::string> args; // one call each, in order
  bool many = false;             // answer with all results (fcallmany)
};

struct runner_state {
  std::string node_name;
  std::shared_ptr<function_table> table;
  std::shared_ptr<worker_pool> pool;
  uint64_t next_id = 1;
  // Who waits for a call: a CAF requester (rp) or a plain thread of this
  // process (local, see completion.hpp).
  struct waiter {
    caf::response_promise rp;
    completion_ptr local;
  };
  struct call {
    std::string name;
    waiter to;
    bool many = false;
  };
  std::map<uint64_t, call> running;
  // Actor functions only (the pool keeps its own):
  std::map<std::string, std::size_t> active;      // running calls per function
  std::map<std::string, std::deque<job>> waiting; // over max_concurrency
  std::map<uint64_t, waiter> parked;              // who waits for a waiting job
  static inline const char* name = "mn.function_runner";
};

using self_ptr = caf::stateful_actor<runner_state>*;

void answer(runner_state::waiter& to, bool ok, std::string payload,
            std::vector<std::string> outs, bool many) {
  if (to.local) {
    if (ok)
      to.local->x.out = std::move(payload);
    else
      to.local->x.result = {errc::function_failed, std::move(payload)};
    to.local->finish();
  } else if (!ok) {
    to.rp.deliver(make_error(errc::function_failed, std::move(payload)));
  } else if (many) {
    to.rp.deliver(std::move(outs));
  } else {
    to.rp.deliver(std::move(payload));
  }
}

void fail(runner_state::waiter& to, errc code, std::string message) {
  if (to.local) {
    to.local->x.result = {code, std::move(message)};
    to.local->finish();
  } else {
    to.rp.deliver(make_error(code, std::move(message)));
  }
}

void run_on_actor(self_ptr self, const job& j);

void dispatch(self_ptr self, job j, runner_state::waiter to) {
  auto& st = self->state;
  st.running.emplace(j.id, runner_state::call{j.name, std::move(to), j.many});
  if (j.fn->worker) {
    ++st.active[j.name];
    run_on_actor(self, j);
    return;
  }
  auto addr = self->address(); // weak: the pool must not keep the runner alive
  auto id = j.id;
  st.pool->submit({j.name, j.fn, std::move(j.args), j.many,
                   [addr, id](errc code, std::string payload, std::vector<std::string> outs) {
                     if (auto runner = caf::actor_cast<caf::actor>(addr))
                       caf::anon_send(runner, fdone_atom::value, id, code == errc::none,
                                      std::move(payload), std::move(outs));
                   }});
}

// A call ended (on the pool or on an actor function): answer it and start
// the next one waiting for the same function.
void finish(self_ptr self, uint64_t id, bool ok, std::string payload,
            std::vector<std::string> outs) {
  auto& st = self->state;
  auto i = st.running.find(id);
  if (i == st.running.end())
    return;
  auto name = i->second.name;
  answer(i->second.to, ok, std::move(payload), std::move(outs), i->second.many);
  st.running.erase(i);
  auto a = st.active.find(name); // actor functions only
  if (a == st.active.end())
    return;
  --a->second;
  auto& q = st.waiting[name];
  if (!q.empty()) {
    auto next = std::move(q.front());
    q.pop_front();
    auto to = std::move(st.parked[next.id]);
    st.parked.erase(next.id);
    dispatch(self, std::move(next), std::move(to));
  }
}

// An actor function: every argument is one request to the actor, all sent at
// once; the call ends when every answer is in (in order), or at the first
// failure.
void run_on_actor(self_ptr self, const job& j) {
  struct gather {
    std::vector<std::string> outs;
    std::size_t left = 0;
    bool over = false;
  };
  auto g = std::make_shared<gather>();
  g->outs.resize(j.args.size());
  g->left = j.args.size();
  auto id = j.id;
  auto many = j.many;
  auto label = "function '" + j.name + "' failed on node '" + self->state.node_name + "': ";
  auto failed = [=](std::string why) {
    if (g->over)
      return;
    g->over = true;
    finish(self, id, false, label + why, {});
  };
  for (std::size_t k = 0; k < j.args.size(); ++k) {
    value arg;
    if (auto st = storage::decode(j.args[k], arg); !st) {
      failed(st.message());
      return;
    }
    // The caller times out first (and says so); this bound frees the slot.
    self->request(j.fn->worker, j.fn->timeout + std::chrono::seconds(1), call_atom::value,
                  std::move(arg))
      .then(
        [=](value& result) {
          if (g->over)
            return;
          std::string out;
          if (auto st = storage::encode(result, out); !st) {
            failed("its result: " + st.message());
            return;
          }
          g->outs[k] = std::move(out);
          if (--g->left > 0)
            return;
          g->over = true;
          if (many)
            finish(self, id, true, {}, std::move(g->outs));
          else
            finish(self, id, true, std::move(g->outs.front()), {});
        },
        [=](caf::error& err) {
          if (err == caf::sec::request_timeout)
            failed("the actor did not answer within the function's timeout");
          else if (err == caf::sec::unexpected_response)
            failed("the actor answered with something other than one mn::value (see "
                   "<mn/actor_function.hpp>)");
          else
            failed(self->system().render(err));
        });
  }
}

// Runs (or queues, over max_concurrency) one request of `name` with `args`.
void submit(self_ptr self, std::string name, std::vector<std::string> args, bool many,
            runner_state::waiter to) {
  auto& st = self->state;
  auto fn = st.table->find(name);
  if (!fn) {
    fail(to, errc::unknown_function,
         "function '" + name + "' is not registered on node '" + st.node_name + "'");
    return;
  }
  job j{st.next_id++, name, fn, std::move(args), many};
  if (fn->worker && fn->max_concurrency > 0 && st.active[name] >= fn->max_concurrency) {
    st.parked.emplace(j.id, std::move(to));
    st.waiting[name].push_back(std::move(j));
    return;
  }
  dispatch(self, std::move(j), std::move(to));
}

caf::behavior function_runner(self_ptr self, std::string node_name,
                              std::shared_ptr<function_table> table,
                              std::shared_ptr<worker_pool> pool) {
  self->state.node_name = node_name;
  self->state.table = std::move(table);
  self->state.pool = std::move(pool);
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    auto stopping = "node '" + st.node_name + "' is stopping; the call did not run";
    for (auto& [id, to] : st.parked)
      fail(to, errc::unavailable, stopping);
    st.parked.clear();
    st.waiting.clear();
    st.pool->stop(); // waits for the running bodies
    st.pool.reset();
    auto ended = "node '" + st.node_name + "' stopped while the call ran";
    for (auto& [id, c] : st.running)
      fail(c.to, errc::unavailable, ended);
    st.running.clear();
    st.table->stop_workers();
    self->quit(msg.reason);
  });
  return {
    [=](fcall_atom, std::string& name, std::string& arg) -> caf::result<std::string> {
      auto rp = self->make_response_promise();
      submit(self, std::move(name), {std::move(arg)}, false, {rp, nullptr});
      return rp;
    },
    [=](fcallmany_atom, std::string& name,
        std::vector<std::string>& args) -> caf::result<std::vector<std::string>> {
      auto rp = self->make_response_promise();
      submit(self, std::move(name), std::move(args), true, {rp, nullptr});
      return rp;
    },
    [=](flocal_atom, completion_ptr& c) {
      auto name = c->x.key;
      auto arg = std::move(c->x.a);
      submit(self, std::move(name), {std::move(arg)}, false, {caf::response_promise{}, c});
    },
    [=](fdone_atom, uint64_t id, bool ok, std::string& payload, std::vector<std::string>& outs) {
      finish(self, id, ok, std::move(payload), std::move(outs));
    },
    [=](flist_atom) { return self->state.table->describe(); },
  };
}

} // namespace

caf::actor spawn_function_runner(caf::actor_system& sys, std::string node_name,
                                 std::shared_ptr<function_table> table,
                                 std::shared_ptr<worker_pool> pool) {
  // Not detached: its handlers never block (bodies run on the pool), and a
  // detached actor that something still references when the system stops
  // keeps actor_system's destructor waiting forever (seen with this runner in
  // bench/function_run.sh: CAF 0.17 waits for the private thread until the
  // actor object is destroyed). Only its exit handler blocks, joining the pool.
  return sys.spawn(function_runner, std::move(node_name), std::move(table), std::move(pool));
}

} // namespace mn::actors
