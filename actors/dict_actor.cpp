#include "actors/dict_actor.hpp"

#include "actors/caf_errors.hpp"
#include "actors/completion.hpp"
#include "actors/dict_protocol.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

namespace mn::actors {

namespace {

using storage::op;
using storage::op_kind;
using storage::make_op;

struct dict_state {
  std::string dict_name;
  std::shared_ptr<storage::dict_store> store;
  std::shared_ptr<dict_metrics> metrics;      // nullptr: not measured
  std::vector<op> batch;                      // ops waiting for the next commit
  std::vector<caf::response_promise> waiting; // waiting[i] answers batch[i]...
  std::vector<completion_ptr> completions;    // ...or, if set, completions[i] does
  std::vector<op_clock::time_point> arrived;  // when batch[i] arrived (with metrics)
  bool flush_sent = false;
  bool deferred = false;           // this batch already waited once for stragglers
  std::size_t last_batch_size = 0; // ops in the previous commit
  caf::timespan last_commit{0};    // duration of the previous commit
  uint64_t batches = 0; // commits done (for benchmarks and metrics)
  uint64_t ops = 0;     // write ops committed
  static inline const char* name = "mn.dict";
};

using self_ptr = caf::stateful_actor<dict_state>*;

// Requests that arrive as messages (from other nodes over CAF, from actors
// through async_dict) are timed here, from arrival to answer, for GET
// /metrics. Completions are not: their senders (the blocking API, the fast
// path) time them.
void measure(dict_state& st, const op& x, op_clock::time_point arrived) {
  if (st.metrics)
    st.metrics->record_since(x.kind, arrived, !x.result);
}

// Answers one op's requester with the reply of its kind (see dict_protocol.hpp).
void answer(caf::response_promise& rp, op& x) {
  if (!x.result) {
    rp.deliver(make_error(x.result));
    return;
  }
  switch (x.kind) {
    case op_kind::get: rp.deliver(x.found, std::move(x.out)); break;
    case op_kind::contains:
    case op_kind::erase:
    case op_kind::cas:
    case op_kind::set_if_absent: rp.deliver(x.found); break;
    case op_kind::size:
    case op_kind::set_many: rp.deliver(x.count); break;
    case op_kind::keys: rp.deliver(std::move(x.keys)); break;
    case op_kind::set: rp.deliver(true); break;
    case op_kind::increment: rp.deliver(std::move(x.out)); break;
  }
}

// Commits the batch and answers everyone in it.
void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_sent = false;
  if (st.batch.empty())
    return;
  auto start = std::chrono::steady_clock::now();
  st.store->apply(st.batch);
  st.last_commit = std::chrono::steady_clock::now() - start;
  st.last_batch_size = st.batch.size();
  st.deferred = false;
  ++st.batches;
  st.ops += st.batch.size();
  if (st.metrics) {
    st.metrics->batch_size.observe(st.last_batch_size);
    st.metrics->commit_time.observe(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(st.last_commit).count()));
  }
  for (std::size_t i = 0; i < st.batch.size(); ++i) {
    if (auto& c = st.completions[i]) {
      c->x = std::move(st.batch[i]);
      c->finish();
    } else {
      measure(st, st.batch[i], st.arrived[i]);
      answer(st.waiting[i], st.batch[i]);
    }
  }
  st.batch.clear();
  st.waiting.clear();
  st.completions.clear();
  st.arrived.clear();
}

// The flush message arrived: everything that was in the mailbox behind the
// batch's first write has joined it. Requesters answered by the previous commit
// may still be on their way with their next write; when the batch is smaller
// than the previous one, wait once for them, a tenth of a commit's time, so
// that batches stay full instead of alternating small and large.
//
// The wait is a sleep of this actor's own thread (it is detached), followed by
// a flush sent to the back of the mailbox, behind what arrived meanwhile. Not
// a delayed_send: a timer still pending when the node stops holds a reference
// to this actor in CAF's clock, and the actor system then waits forever for
// the detached thread to end (seen in the cluster benchmark).
void on_flush(self_ptr self) {
  auto& st = self->state;
  if (!st.deferred && !st.batch.empty() && st.batch.size() < st.last_batch_size) {
    st.deferred = true;
    using namespace std::chrono;
    auto wait = std::clamp<caf::timespan>(st.last_commit / 10, microseconds(20),
                                          microseconds(1000));
    std::this_thread::sleep_for(wait);
    self->send(self, dflush_atom::value);
    return;
  }
  flush(self);
}

// Adds `x`, which arrived at `arrived`, to the batch, answered later by `rp`
// or `c`.
void enqueue(self_ptr self, op&& x, caf::response_promise rp, completion_ptr c,
             op_clock::time_point arrived = 0) {
  auto& st = self->state;
  st.batch.push_back(std::move(x));
  st.waiting.push_back(std::move(rp));
  st.completions.push_back(std::move(c));
  st.arrived.push_back(arrived);
  if (st.batch.size() >= max_batch_ops) {
    flush(self);
  } else if (!st.flush_sent) {
    st.flush_sent = true;
    self->send(self, dflush_atom::value);
  }
}

// Queues `x` or, for a read with no writes waiting, answers it at once.
caf::response_promise submit(self_ptr self, op&& x) {
  auto& st = self->state;
  auto arrived = st.metrics ? op_clock::now() : op_clock::time_point{0};
  auto rp = self->make_response_promise();
  if (!storage::is_write(x.kind) && st.batch.empty()) {
    st.store->read(x);
    measure(st, x, arrived);
    answer(rp, x);
    return rp;
  }
  enqueue(self, std::move(x), rp, nullptr, arrived);
  return rp;
}

caf::behavior dict_actor(self_ptr self, std::string name,
                         std::shared_ptr<storage::dict_store> store,
                         std::shared_ptr<dict_metrics> metrics) {
  self->state.dict_name = std::move(name);
  self->state.store = std::move(store);
  self->state.metrics = std::move(metrics);
  self->set_exit_handler([=](caf::exit_msg& msg) {
    flush(self); // every accepted write is committed and answered before we stop
    self->quit(msg.reason);
  });
  return {
    [=](dget_atom, std::string& key) {
      return submit(self, make_op(op_kind::get, std::move(key)));
    },
    [=](dhas_atom, std::string& key) {
      return submit(self, make_op(op_kind::contains, std::move(key)));
    },
    [=](dsize_atom) { return submit(self, make_op(op_kind::size)); },
    [=](dkeys_atom, std::string& after, uint64_t limit) {
      auto x = make_op(op_kind::keys, std::move(after));
      x.count = limit;
      return submit(self, std::move(x));
    },
    [=](dset_atom, std::string& key, std::string& bytes) {
      return submit(self, make_op(op_kind::set, std::move(key), std::move(bytes)));
    },
    [=](ddel_atom, std::string& key) {
      return submit(self, make_op(op_kind::erase, std::move(key)));
    },
    [=](dincr_atom, std::string& key, std::string& delta, std::string& initial) {
      return submit(self, make_op(op_kind::increment, std::move(key), std::move(delta),
                                  std::move(initial)));
    },
    [=](dcas_atom, std::string& key, std::string& desired, std::string& expected) {
      return submit(self, make_op(op_kind::cas, std::move(key), std::move(desired),
                                  std::move(expected)));
    },
    [=](dsetnx_atom, std::string& key, std::string& bytes) {
      return submit(self, make_op(op_kind::set_if_absent, std::move(key), std::move(bytes)));
    },
    [=](dsetmany_atom, std::vector<std::string>& keys,
        std::vector<std::string>& values) -> caf::result<uint64_t> {
      if (keys.size() != values.size())
        return make_error(errc::invalid_argument, "set_many: " + std::to_string(keys.size())
                                                    + " keys but " + std::to_string(values.size())
                                                    + " values");
      auto x = make_op(op_kind::set_many);
      x.items.reserve(keys.size());
      for (std::size_t i = 0; i < keys.size(); ++i)
        x.items.emplace_back(std::move(keys[i]), std::move(values[i]));
      return submit(self, std::move(x));
    },
    [=](dlocal_atom, completion_ptr& c) {
      if (!storage::is_write(c->x.kind) && self->state.batch.empty()) {
        self->state.store->read(c->x);
        c->finish();
        return;
      }
      enqueue(self, std::move(c->x), caf::response_promise{}, c);
    },
    [=](dstats_atom) { return caf::make_message(self->state.batches, self->state.ops); },
    [=](dflush_atom) { on_flush(self); },
  };
}

} // namespace

caf::actor spawn_dict_actor(caf::actor_system& sys, std::string name,
                            std::shared_ptr<storage::dict_store> store,
                            std::shared_ptr<dict_metrics> metrics) {
  return sys.spawn<caf::detached>(dict_actor, std::move(name), std::move(store),
                                  std::move(metrics));
}

} // namespace mn::actors
