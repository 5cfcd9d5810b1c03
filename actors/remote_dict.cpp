#include "actors/remote_dict.hpp"

#include "actors/caf_errors.hpp"
#include "actors/dict_protocol.hpp"
#include "actors/node_protocol.hpp"
#include "runtime/tls.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <functional>
#include <vector>

namespace mn::actors {

namespace {

using namespace std::chrono;

struct remote_state {
  remote_dict_config cfg;
  caf::actor target;   // the owner's dict actor, when connected
  bool connecting = false;
  // Requests waiting for the connection: each forwards itself or fails.
  struct waiting {
    std::function<void(const caf::actor&)> forward;
    caf::response_promise rp;
  };
  std::vector<waiting> queue;
  steady_clock::time_point retry_at{};
  milliseconds backoff{0};
  std::string last_failure;
  static inline const char* name = "mn.remote_dict";
};

using self_ptr = caf::stateful_actor<remote_state>*;

std::string label(const remote_state& st) {
  return remote_label(st.cfg.dict, st.cfg.owner);
}

caf::error unreachable(const remote_state& st) {
  return make_error(errc::unavailable,
                    label(st) + " cannot be reached: " + st.last_failure
                      + "; calls fail until the node is back (retried automatically)");
}

void fail_all(self_ptr self, const storage::status& why) {
  auto& st = self->state;
  st.connecting = false;
  st.last_failure = why.message();
  st.backoff = std::min(milliseconds(2000), std::max(milliseconds(100), st.backoff * 2));
  st.retry_at = steady_clock::now() + st.backoff;
  auto err = why.code() == errc::bad_config ? make_error(why) : unreachable(st);
  for (auto& w : st.queue)
    w.rp.deliver(err);
  st.queue.clear();
}

void on_connected(self_ptr self, caf::actor target) {
  auto& st = self->state;
  st.connecting = false;
  st.backoff = milliseconds(0);
  st.target = std::move(target);
  self->monitor(st.target);
  for (auto& w : st.queue)
    w.forward(st.target);
  st.queue.clear();
}

// Connects to the owner's dict actor: at most 3 attempts, all within one
// connect timeout from the first (`deadline`).
void connect(self_ptr self, int attempt = 0, steady_clock::time_point deadline = {}) {
  auto& st = self->state;
  st.connecting = true;
  if (attempt == 0)
    deadline = steady_clock::now() + st.cfg.connect_timeout;
  auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
  auto fail = [=](caf::error& e) {
    if (worth_another_connect(e, attempt, deadline))
      return connect(self, attempt + 1, deadline);
    auto& cfg = self->state.cfg;
    auto what = "node '" + cfg.owner.name + "'";
    auto why = to_status(e, what);
    if (e == caf::sec::disconnect_during_handshake)
      why = {why.code(), what + " refused this process or broke off the connection: "
                           + runtime::tls::handshake_hint(cfg.owner.port, cfg.tls)};
    fail_all(self, why);
  };
  // Under TLS, CAF's openssl module makes the connection (same messages).
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle()
                       : self->system().middleman().actor_handle();
  self->request(mm, std::max(left, milliseconds(1)), caf::connect_atom::value, st.cfg.owner.host,
                st.cfg.owner.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto& st = self->state;
        if (!ptr)
          return fail_all(self, {errc::unavailable, "no multinode node listens there"});
        auto node = caf::actor_cast<caf::actor>(ptr);
        self->request(node, st.cfg.request_timeout, nhello_atom::value, st.cfg.fingerprint,
                      st.cfg.self_name)
          .then(
            [=](const std::string& name, uint16_t fast_port) {
              auto& st = self->state;
              if (name != st.cfg.owner.name)
                return fail_all(self, {errc::bad_config,
                                       "the node at " + st.cfg.owner.host + ":"
                                         + std::to_string(st.cfg.owner.port) + " is '" + name
                                         + "', not '" + st.cfg.owner.name
                                         + "'; fix the --peer list"});
              if (st.cfg.on_fast_port)
                st.cfg.on_fast_port(fast_port);
              self->request(node, st.cfg.request_timeout, nopen_atom::value, st.cfg.dict)
                .then([=](caf::actor& target) { on_connected(self, std::move(target)); }, fail);
            },
            fail);
      },
      fail);
}

// Forwards the request xs... to the owner's dict actor, connecting first if
// needed; the answer goes straight back to the requester.
template <class... Ts>
caf::response_promise forward(self_ptr self, Ts... xs) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.target) {
    rp.delegate(st.target, std::move(xs)...);
    return rp;
  }
  if (!st.connecting && steady_clock::now() < st.retry_at) {
    rp.deliver(unreachable(st));
    return rp;
  }
  auto fwd = [rp, xs...](const caf::actor& target) mutable { rp.delegate(target, xs...); };
  st.queue.push_back({std::move(fwd), rp});
  if (!st.connecting)
    connect(self);
  return rp;
}

caf::behavior remote_dict(self_ptr self, remote_dict_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.target) {
      st.target = caf::actor{};
      st.last_failure = "the connection was lost (" + caf::to_string(dm.reason) + ")";
    }
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (auto& w : self->state.queue)
      w.rp.deliver(make_error(errc::unavailable, "this process is stopping"));
    self->state.queue.clear();
    self->quit(msg.reason);
  });
  return {
    [=](dget_atom a, std::string& k) { return forward(self, a, std::move(k)); },
    [=](dhas_atom a, std::string& k) { return forward(self, a, std::move(k)); },
    [=](dsize_atom a) { return forward(self, a); },
    [=](dkeys_atom a, std::string& after, uint64_t limit) {
      return forward(self, a, std::move(after), limit);
    },
    [=](dset_atom a, std::string& k, std::string& v) {
      return forward(self, a, std::move(k), std::move(v));
    },
    [=](ddel_atom a, std::string& k) { return forward(self, a, std::move(k)); },
    [=](dincr_atom a, std::string& k, std::string& d, std::string& i) {
      return forward(self, a, std::move(k), std::move(d), std::move(i));
    },
    [=](dcas_atom a, std::string& k, std::string& n, std::string& e) {
      return forward(self, a, std::move(k), std::move(n), std::move(e));
    },
    [=](dsetnx_atom a, std::string& k, std::string& v) {
      return forward(self, a, std::move(k), std::move(v));
    },
    [=](dsetmany_atom a, std::vector<std::string>& ks, std::vector<std::string>& vs) {
      return forward(self, a, std::move(ks), std::move(vs));
    },
    [=](dstats_atom a) { return forward(self, a); },
  };
}

} // namespace

std::string remote_label(const std::string& dict, const peer& owner) {
  return "dict '" + dict + "' on node '" + owner.name + "' (" + owner.host + ":"
         + std::to_string(owner.port) + ")";
}

caf::actor spawn_remote_dict(caf::actor_system& sys, remote_dict_config cfg) {
  return sys.spawn(remote_dict, std::move(cfg));
}

} // namespace mn::actors
