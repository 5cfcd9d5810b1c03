#include "runtime/function_caller.hpp"

#include "actors/caf_errors.hpp"
#include "actors/function_protocol.hpp"
#include "runtime/detail/values.hpp"
#include "storage/codec.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <optional>
#include <set>

namespace mn::detail {

using namespace mn::actors;
using clock = std::chrono::steady_clock;

namespace {

// The candidate with the fewest calls in flight, skipping `avoid` when others
// remain; this node first with prefer_local.
std::string pick(cluster_view& view, const function_info& info, bool prefer_local,
                 const std::set<std::string>& avoid, std::size_t turn) {
  auto self = view.self_name();
  if (prefer_local && !self.empty() && !avoid.count(self)
      && std::find(info.nodes.begin(), info.nodes.end(), self) != info.nodes.end())
    return self;
  // Ties go round the nodes in turn, so that sequential calls spread too.
  std::string best;
  int best_load = 0;
  for (std::size_t k = 0; k < info.nodes.size(); ++k) {
    auto& n = info.nodes[(turn + k) % info.nodes.size()];
    if (avoid.count(n) && avoid.size() < info.nodes.size())
      continue;
    int load = view.in_flight(n).load();
    if (best.empty() || load < best_load) {
      best = n;
      best_load = load;
    }
  }
  return best.empty() ? info.nodes.front() : best;
}

// -- map: one event-based actor keeps every node busy ------------------------
//
// Inputs go in chunks (fcallmany: one message, one function thread, results
// in order), a few chunks in flight per node: one message per input would cap
// map at what CAF delivers one by one (about 30k/s here).

struct map_job {
  std::string function;
  std::vector<std::string> inputs;
  std::vector<std::pair<std::string, caf::actor>> targets; // node name, node actor
  clock::time_point deadline;
  uint32_t max_retries = 0;
  std::size_t window = 4;  // chunks in flight per node (one per function thread)
  std::size_t chunk = 1;   // inputs per chunk
  cluster_view* view = nullptr;
};

struct map_state {
  map_job job;
  std::vector<std::string> results;
  std::vector<uint32_t> attempts; // per chunk
  std::vector<int> busy; // calls in flight per target
  std::size_t next = 0;  // next chunk to send
  std::size_t chunks = 0;
  std::size_t done = 0;  // inputs answered
  std::vector<std::size_t> retry; // chunks to send again
  caf::response_promise rp;
  bool failed = false;
  static inline const char* name = "mn.mapper";
};

using map_self = caf::stateful_actor<map_state>*;

void pump(map_self self);

void send_one(map_self self, std::size_t input, std::size_t target) {
  auto& st = self->state;
  // `input` is a chunk index: inputs [first, last).
  auto first = input * st.job.chunk;
  auto last = std::min(first + st.job.chunk, st.job.inputs.size());
  std::vector<std::string> args(st.job.inputs.begin() + first, st.job.inputs.begin() + last);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(st.job.deadline - clock::now());
  if (left.count() <= 0)
    left = std::chrono::milliseconds(1);
  ++st.busy[target];
  ++st.attempts[input];
  auto& node = st.job.targets[target].first;
  ++st.job.view->in_flight(node);
  self->request(st.job.targets[target].second, left, fcallmany_atom::value, st.job.function,
                std::move(args))
    .then(
      [=](std::vector<std::string>& results) {
        auto& st = self->state;
        --st.busy[target];
        --st.job.view->in_flight(st.job.targets[target].first);
        for (std::size_t i = 0; i < results.size() && first + i < last; ++i)
          st.results[first + i] = std::move(results[i]);
        st.done += last - first;
        pump(self);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        --st.busy[target];
        --st.job.view->in_flight(st.job.targets[target].first);
        if (st.failed)
          return;
        auto status = to_status(err, "function '" + st.job.function + "' on node '"
                                       + st.job.targets[target].first + "'");
        bool retriable = status.code() != errc::unknown_function
                         && status.code() != errc::timeout;
        if (retriable && st.attempts[input] <= st.job.max_retries) {
          st.retry.push_back(input);
          pump(self);
          return;
        }
        st.failed = true;
        st.rp.deliver(make_error(status));
        self->quit();
      });
}

// Sends inputs while some node has room; answers when everything is done.
void pump(map_self self) {
  auto& st = self->state;
  if (st.failed)
    return;
  if (st.done == st.job.inputs.size()) {
    st.rp.deliver(std::move(st.results));
    self->quit();
    return;
  }
  for (;;) {
    bool have_input = !st.retry.empty() || st.next < st.chunks;
    if (!have_input)
      return;
    // The target with the most room.
    std::size_t best = 0;
    for (std::size_t t = 1; t < st.busy.size(); ++t)
      if (st.busy[t] < st.busy[best])
        best = t;
    if (static_cast<std::size_t>(st.busy[best]) >= st.job.window)
      return;
    std::size_t input;
    if (!st.retry.empty()) {
      input = st.retry.back();
      st.retry.pop_back();
    } else {
      input = st.next++;
    }
    send_one(self, input, best);
  }
}

caf::behavior mapper(map_self self, map_job job) {
  auto n = job.inputs.size();
  self->state.results.resize(n);
  self->state.chunks = (n + job.chunk - 1) / job.chunk;
  self->state.attempts.assign(self->state.chunks, 0);
  self->state.busy.assign(job.targets.size(), 0);
  self->state.job = std::move(job);
  return {[=](caf::get_atom) {
    self->state.rp = self->make_response_promise();
    pump(self);
    return self->state.rp;
  }};
}

} // namespace

function_caller::function_caller(std::string name, call_options opts, cluster_view* view)
  : name_(std::move(name)), opts_(opts), view_(view), state_(view->state()) {
  // nop
}

std::shared_lock<std::shared_mutex> function_caller::enter() const {
  std::shared_lock<std::shared_mutex> guard{state_->mu};
  if (state_->stopped)
    throw unavailable(errc::unavailable, "function '" + name_ + "': its node has stopped");
  return guard;
}

value function_caller::call(const value& arg) const {
  auto guard = enter();
  auto bytes = encoded(arg);
  function_info info;
  raise(view_->find_function(name_, info));
  return decoded(call_encoded(bytes, info, clock::now() + info.timeout, 0, {}));
}

std::string function_caller::call_encoded(const std::string& bytes, const function_info& info,
                                          clock::time_point deadline, uint32_t used,
                                          std::set<std::string> avoid) const {
  storage::status last;
  // An attempt counts once the call was sent; a node that cannot be reached
  // never ran it, so the next one is tried at no cost.
  for (uint32_t attempt = used; attempt <= info.max_retries;) {
    auto node = pick(*view_, info, opts_.prefer_local, avoid, turn_++);
    caf::actor target;
    if (auto st = view_->node_actor(node, target); !st) {
      last = st;
      bool untried = avoid.insert(node).second;
      if (untried && avoid.size() < info.nodes.size() + 1)
        continue;
      break;
    }
    ++attempt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      break;
    auto& counter = view_->in_flight(node);
    ++counter;
    std::string result;
    storage::status st;
    if (node == view_->self_name()) {
      st = view_->call_local(name_, bytes, left, result);
    } else if (auto fast = view_->fast_path_to(node)) {
      storage::op x;
      x.a = bytes;
      st = fast->call_function(name_, x, left);
      if (st) {
        st = x.result;
        result = std::move(x.out);
      }
    } else {
      caf::scoped_actor self{*state_->sys};
      caf::error err;
      self->request(target, left, fcall_atom::value, name_, bytes)
        .receive([&](std::string& r) { result = std::move(r); },
                 [&](caf::error& e) { err = std::move(e); });
      st = to_status(err, "function '" + name_ + "' on node '" + node + "'");
    }
    --counter;
    if (st)
      return result;
    last = st;
    if (last.code() == errc::unknown_function || last.code() == errc::timeout)
      break;
    if (last.code() == errc::unavailable) {
      view_->forget(node);
      avoid.insert(node);
    }
  }
  if (last.is_ok() || last.code() == errc::timeout)
    last = {errc::timeout, "function '" + name_ + "' did not finish within its timeout of "
                             + std::to_string(info.timeout.count()) + " ms"};
  raise(last);
  return {};
}

void function_caller::call_async(caf::event_based_actor* self, const value& arg,
                                 std::function<void(value)> done,
                                 std::function<void(const failure&)> err) const {
  auto fail = [err](const storage::status& st) { err(failure{st.code(), st.message()}); };
  auto answer = [done, fail](const std::string& r) {
    value v;
    if (auto st = storage::decode(r, v); !st)
      fail(st);
    else
      done(std::move(v));
  };
  std::string bytes;
  if (auto st = storage::encode(arg, bytes); !st)
    return fail(st);
  if (state_->stopped)
    return fail({errc::unavailable, "function '" + name_ + "': its node has stopped"});
  auto impl = shared_from_this();
  // The rest of a call, blocking, on a thread of its own (a detached actor):
  // when a lookup would block, and for retries.
  auto run_detached = [=](std::optional<function_info> known, clock::time_point deadline,
                          uint32_t used, std::set<std::string> avoid) {
    auto helper = state_->sys->spawn<caf::detached>([=](caf::event_based_actor* h) -> caf::behavior {
      return {[=](caf::get_atom) {
        auto rp = h->make_response_promise<std::string>();
        try {
          auto guard = impl->enter();
          function_info info;
          if (known)
            info = *known;
          else
            raise(impl->view_->find_function(impl->name_, info));
          auto until = known ? deadline : clock::now() + info.timeout;
          rp.deliver(impl->call_encoded(bytes, info, until, used, avoid));
        } catch (const error& e) {
          rp.deliver(make_error(e.code(), e.what()));
        }
        h->quit();
        return rp;
      }};
    });
    self->request(helper, caf::infinite, caf::get_atom::value)
      .then([=](std::string& r) { answer(r); },
            [=](caf::error& e) { fail(to_status(e, "function '" + impl->name_ + "'")); });
  };
  function_info info;
  caf::actor target;
  std::string node;
  if (!view_->cached_function(name_, info)
      || !view_->cached_node_actor(node = pick(*view_, info, opts_.prefer_local, {}, turn_++),
                                   target))
    return run_detached(std::nullopt, {}, 0, {});
  // The common case: every answer is known; one request, no thread.
  auto deadline = clock::now() + info.timeout;
  auto* counter = &view_->in_flight(node);
  ++*counter;
  self->request(target, info.timeout, fcall_atom::value, name_, std::move(bytes))
    .then(
      [=](std::string& r) {
        --*counter;
        answer(r);
      },
      [=](caf::error& e) {
        --*counter;
        auto st = to_status(e, "function '" + impl->name_ + "' on node '" + node + "'");
        bool retriable = st.code() != errc::unknown_function && st.code() != errc::timeout;
        if (retriable && info.max_retries > 0) {
          std::set<std::string> avoid;
          if (st.code() == errc::unavailable) {
            impl->view_->forget(node);
            avoid.insert(node);
          }
          return run_detached(info, deadline, 1, std::move(avoid));
        }
        if (st.code() == errc::timeout)
          st = {errc::timeout, "function '" + impl->name_
                                 + "' did not finish within its timeout of "
                                 + std::to_string(info.timeout.count()) + " ms"};
        fail(st);
      });
}

void function_caller::send(const value& arg) const {
  auto guard = enter();
  auto bytes = encoded(arg);
  function_info info;
  raise(view_->find_function(name_, info));
  std::set<std::string> avoid;
  storage::status last;
  for (std::size_t tries = 0; tries < info.nodes.size(); ++tries) {
    auto node = pick(*view_, info, opts_.prefer_local, avoid, turn_++);
    caf::actor target;
    if (auto st = view_->node_actor(node, target); !st) {
      last = st;
      avoid.insert(node);
      continue;
    }
    caf::anon_send(target, fcall_atom::value, name_, bytes); // the answer goes nowhere
    return;
  }
  raise(last);
}

std::vector<value> function_caller::map(const std::vector<value>& inputs) const {
  auto guard = enter();
  if (inputs.empty())
    return {};
  function_info info;
  raise(view_->find_function(name_, info));
  map_job job;
  job.function = name_;
  job.view = view_;
  job.max_retries = info.max_retries;
  job.deadline = clock::now() + info.timeout;
  for (auto& v : inputs)
    job.inputs.push_back(encoded(v));
  storage::status last;
  for (auto& node : info.nodes) {
    caf::actor a;
    if (auto st = view_->node_actor(node, a); st)
      job.targets.emplace_back(node, a);
    else
      last = st;
  }
  if (job.targets.empty())
    raise(last);
  if (opts_.prefer_local && !view_->self_name().empty())
    for (auto& [n, a] : job.targets)
      if (n == view_->self_name()) {
        job.targets = {{n, a}};
        break;
      }
  // Chunks small enough that every function thread of every node gets
  // several, large enough to carry many calls per message.
  auto per_node_threads = std::size_t{4};
  job.chunk = std::clamp<std::size_t>(
    job.inputs.size() / (job.targets.size() * per_node_threads * 8), 1, 512);
  caf::scoped_actor self{*state_->sys};
  auto m = state_->sys->spawn(mapper, std::move(job));
  std::vector<std::string> results;
  caf::error err;
  self->request(m, info.timeout + std::chrono::seconds(1), caf::get_atom::value)
    .receive([&](std::vector<std::string>& r) { results = std::move(r); },
             [&](caf::error& e) { err = std::move(e); });
  if (err) {
    caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
    auto st = to_status(err, "map of function '" + name_ + "'");
    if (st.code() == errc::timeout)
      st = {errc::timeout, "map of function '" + name_ + "' did not finish within its timeout of "
                             + std::to_string(info.timeout.count()) + " ms"};
    raise(st);
  }
  std::vector<value> out;
  out.reserve(results.size());
  for (auto& r : results)
    out.push_back(decoded(r));
  return out;
}

} // namespace mn::detail

namespace mn {

value function_handle::call(const value& arg) const {
  return impl_->call(arg);
}

std::future<value> function_handle::call_async(const value& arg) const {
  auto p = std::make_shared<std::promise<value>>();
  auto result = p->get_future();
  auto impl = impl_;
  auto& sys = *impl->state()->sys;
  {
    auto guard = impl->enter_public();
    // One short-lived actor per call waits for the answer: no thread is held.
    sys.spawn([impl, arg, p](caf::event_based_actor* self) -> caf::behavior {
      impl->call_async(
        self, arg,
        [p, self](value v) {
          p->set_value(std::move(v));
          self->quit();
        },
        [p, self](const failure& f) {
          try {
            f.raise();
          } catch (...) {
            p->set_exception(std::current_exception());
          }
          self->quit();
        });
      return {[](caf::get_atom) {}}; // alive until the answer came
    });
  }
  return result;
}

void function_handle::call_async(caf::event_based_actor* self, const value& arg,
                                 std::function<void(value)> done,
                                 std::function<void(const failure&)> err) const {
  impl_->call_async(self, arg, std::move(done), std::move(err));
}

std::vector<value> function_handle::map(const std::vector<value>& inputs) const {
  return impl_->map(inputs);
}

std::vector<value> function_handle::starmap(const std::vector<std::vector<value>>& args) const {
  std::vector<value> inputs;
  inputs.reserve(args.size());
  for (auto& a : args)
    inputs.emplace_back(value(a));
  return impl_->map(inputs);
}

const std::string& function_handle::name() const {
  return impl_->name();
}

} // namespace mn
