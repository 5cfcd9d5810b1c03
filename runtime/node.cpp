#include <mn/client.hpp>
#include <mn/node.hpp>

#include <mn/names.hpp>

#include "actors/completion.hpp"
#include "actors/dict_actor.hpp"
#include "actors/function_protocol.hpp"
#include "actors/function_runner.hpp"
#include "actors/node_actor.hpp"
#include "actors/node_protocol.hpp"
#include "actors/remote_dict.hpp"
#include "runtime/detail/dict_handle.hpp"
#include "runtime/detail/execute.hpp"
#include "runtime/function_caller.hpp"
#include "runtime/http_api.hpp"
#include "runtime/http_auth.hpp"
#include "runtime/http_server.hpp"
#include "runtime/jobs.hpp"
#include "runtime/membership.hpp"
#include "runtime/membership_record.hpp"
#include "runtime/metrics.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/tls.hpp"
#include "runtime/wire/client.hpp"
#include "runtime/wire/server.hpp"
#include "storage/codec.hpp"
#include "storage/data_dir.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

namespace mn {

namespace detail {

/// The machinery behind mn::node (owns dicts) and mn::client (owns none).
class node_impl : public cluster_view {
public:
  /// A node. Errors: bad_config (options, data directory, listen address).
  explicit node_impl(node_options opts) : opts_(std::move(opts)) {
    opts_.validate();
    secure("node '" + opts_.name + "'");
    members_ = runtime::membership::from_options(opts_);
    dir_.emplace();
    raise(storage::data_dir::open(opts_.data_dir, *dir_));
    raise(runtime::check_membership_record(dir_->path(), members_)); // before any dict
    env_opts_.initial_map_size = opts_.initial_map_size;
    env_opts_.sync = opts_.durability == durability::sync;
    start_system(!opts_.listen.empty());
    functions_ = std::make_shared<actors::function_table>();
    pool_ = std::make_shared<actors::worker_pool>(opts_.function_threads, opts_.name);
    runner_ = actors::spawn_function_runner(*sys_, opts_.name, functions_, pool_);
    if (!opts_.listen.empty())
      listen();
    else
      node_actor_ = actors::spawn_node_actor(*sys_, node_config());
    if (!opts_.http.empty())
      start_http();
  }

  /// A client of the cluster that `seed` (HOST:PORT) belongs to.
  node_impl(const std::string& seed, node_options opts) : opts_(std::move(opts)) {
    std::string host;
    uint16_t port = 0;
    parse_address(seed, "node address", host, port);
    opts_.check_security();
    secure("client");
    start_system(true);
    // Ask the seed node for the membership; the client then talks to each
    // dict's owner directly. The scoped actor must be gone before stop(): the
    // actor system waits for it otherwise (forever).
    storage::status st;
    {
      caf::scoped_actor self{*sys_};
      caf::actor seed_actor;
      caf::error err;
      auto label = "node at " + seed;
      err = connect_to(self, host, port, seed_actor);
      if (!err && !seed_actor)
        st = {errc::unavailable, "no multinode node listens at " + seed};
      else if (!err)
        self->request(seed_actor, opts_.request_timeout, actors::nmembers_atom::value)
          .receive([&](std::string& fp) { members_ = runtime::membership::parse("", fp); },
                   [&](caf::error& e) { err = std::move(e); });
      if (err)
        st = connect_status(err, label, port);
    }
    if (!st) {
      stop();
      throw_error(st.code(), st.message());
    }
  }

  ~node_impl() override { stop(); }

  // -- functions --------------------------------------------------------------

  void register_function(const std::string& name, function_body body, function_options o) {
    if (name.empty() || !body)
      throw invalid_argument(errc::invalid_argument,
                             "register_function needs a name and a body");
    actors::function_entry e;
    e.body = std::move(body);
    e.timeout = o.timeout;
    e.max_retries = o.max_retries;
    e.max_concurrency = o.max_concurrency;
    functions_->put(name, std::move(e));
    std::lock_guard<std::mutex> guard{peers_mu_};
    function_cache_.clear(); // the list of who runs what changed here
  }

  void register_actor_function(const std::string& name, const caf::actor& worker,
                               function_options o) {
    if (name.empty() || !worker)
      throw invalid_argument(errc::invalid_argument,
                             "register_actor_function needs a name and a running actor");
    actors::function_entry e;
    e.worker = worker;
    e.timeout = o.timeout;
    e.max_retries = o.max_retries;
    e.max_concurrency = o.max_concurrency;
    functions_->put(name, std::move(e));
    std::lock_guard<std::mutex> guard{peers_mu_};
    function_cache_.clear();
  }

  function_handle function(const std::string& name, call_options o) {
    return function_handle{std::make_shared<function_caller>(name, o, this)};
  }

  void register_job(const std::string& name, job_body body, job_options jo) {
    if (name.empty() || !body)
      throw invalid_argument(errc::invalid_argument, "register_job needs a name and a body");
    job_caller::check(name, jo);
    function_options o;
    o.timeout = std::chrono::hours(24 * 365); // callers never wait for a job's run
    auto runner = job_caller::runner_body(job_system_dicts(), name, std::move(body), jo,
                                          opts_.name, job_dispatcher());
    register_function("__job:" + name, std::move(runner), o);
    {
      std::lock_guard<std::mutex> guard{reaper_mu_};
      registered_jobs_[name] = jo;
    }
    start_reaper(); // after the function: the reaper's first pass may dispatch to it
  }

  job_handle job(const std::string& name) {
    auto runner = std::make_shared<function_caller>("__job:" + name, call_options{}, this);
    return job_handle{std::make_shared<job_caller>(name, job_system_dicts(), runner)};
  }

  // -- schedules --------------------------------------------------------------

  template <class When>
  void schedule(const std::string& name, const When& when, schedule_body body,
                schedule_options o) {
    if (name.empty() || name.size() > 400 || name.find('@') != std::string::npos || !body)
      throw invalid_argument(errc::invalid_argument,
                             "schedule '" + name + "': give a name of 1 to 400 bytes without '@' "
                             "and a body");
    if (o.grace < std::chrono::milliseconds(0))
      throw invalid_argument(errc::invalid_argument,
                             "schedule '" + name + "': grace must not be negative");
    schedule_spec spec;
    if (auto st = schedule_spec::make(when, spec); !st)
      throw invalid_argument(st.code(), "schedule '" + name + "': " + st.message());
    std::lock_guard<std::mutex> guard{scheduler_mu_};
    if (!scheduler_)
      scheduler_ = std::make_unique<scheduler>(scheduler_hooks());
    scheduler_->add(name, std::move(spec), std::move(body), o);
  }

  std::vector<schedule_info> schedules() {
    auto records = get_dict("__schedules", true);
    return scheduler::list(records);
  }

  // The claim dicts: up to three system dicts with different owners, the
  // same on every node (a majority of them decides each period).
  std::vector<dict> claim_dicts() {
    std::vector<dict> out;
    std::set<std::string> owners;
    auto wanted = std::min<std::size_t>(3, members_.members().size());
    for (int i = 0; out.size() < wanted && i < 1000; ++i) {
      auto name = "__schedule_claims." + std::to_string(i);
      if (owners.insert(members_.owner_of(name).name).second)
        out.push_back(get_dict(name, true));
    }
    return out;
  }

  scheduler::hooks scheduler_hooks() {
    scheduler::hooks h;
    h.self = opts_.name;
    h.incarnation = started_ms_;
    h.claims = claim_dicts();
    h.records = get_dict("__schedules", true);
    h.run = [this](std::function<void()> work) {
      auto fn = std::make_shared<actors::function_entry>();
      fn->body = [work](const value&) {
        work();
        return value{};
      };
      std::string null_arg;
      storage::encode(value{}, null_arg);
      pool_->submit({"__schedule", fn, {null_arg}, false,
                     [work](errc code, std::string, std::vector<std::string>) {
                       if (code == errc::unavailable) // the pool stopped: run it here
                         work();
                     }});
    };
    h.is_dead = [this](const std::string& node) { return !members_.find(node) || !alive(node); };
    return h;
  }

  // The system dicts of jobs (see runtime/jobs.hpp).
  detail::job_dicts job_system_dicts() {
    return {get_dict("__jobs", true), get_dict("__job_slots", true),
            get_dict("__job_queue", true)};
  }

  // Sends a job's runner off to a node that registered the job.
  job_dispatch job_dispatcher() {
    return [this](const std::string& name, const value& arg) {
      function_caller{"__job:" + name, call_options{}, this}.send(arg);
    };
  }

  // The job reaper: every 2 s, jobs left RUNNING by a node that died or
  // restarted run again or are marked FAILED, and jobs waiting for a slot of
  // a job registered here are woken when slots are free (see
  // job_caller::reap). Runs on nodes that registered a job.
  void start_reaper() {
    std::lock_guard<std::mutex> guard{reaper_mu_};
    if (reaper_.joinable())
      return;
    reaper_ = std::thread{[this] {
      auto dicts = job_system_dicts();
      reap_context c;
      c.self = opts_.name;
      c.self_started_ms = started_ms_;
      c.is_dead = [this](const std::string& node) { return !members_.find(node) || !alive(node); };
      c.dispatch = job_dispatcher();
      std::unique_lock<std::mutex> lock{reaper_mu_};
      while (!reaper_stop_) {
        c.registered = registered_jobs_;
        lock.unlock();
        try {
          job_caller::reap(dicts, c);
        } catch (const error&) {
          // the jobs dict is unreachable right now: next pass
        }
        lock.lock();
        reaper_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return reaper_stop_; });
      }
    }};
  }

  // true when member `node` answers now (a cached connection is checked, and
  // dropped and made again once if it fails).
  bool alive(const std::string& node) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      caf::actor a;
      if (!node_actor(node, a))
        return false;
      caf::scoped_actor self{*sys_};
      bool ok = false;
      self->request(a, opts_.connect_timeout, actors::nmembers_atom::value)
        .receive([&](std::string&) { ok = true; }, [&](caf::error&) {});
      if (ok)
        return true;
      forget(node);
    }
    return false;
  }

  void stop_reaper() {
    {
      std::lock_guard<std::mutex> guard{reaper_mu_};
      reaper_stop_ = true;
    }
    reaper_cv_.notify_all();
    if (reaper_.joinable())
      reaper_.join();
  }

  // -- cluster_view -----------------------------------------------------------

  const std::shared_ptr<node_state>& state() const override { return state_; }

  std::string self_name() const override { return members_.self(); }

  storage::status node_actor(const std::string& node, caf::actor& out) override {
    if (node == members_.self() && node_actor_) {
      out = node_actor_;
      return storage::status::ok();
    }
    {
      std::lock_guard<std::mutex> guard{peers_mu_};
      if (auto i = peer_actors_.find(node); i != peer_actors_.end()) {
        out = i->second;
        return storage::status::ok();
      }
    }
    const peer* p = members_.find(node);
    if (p == nullptr)
      return {errc::unavailable, "node '" + node + "' is not a member of this cluster"};
    auto label = "node '" + p->name + "' (" + p->host + ":" + std::to_string(p->port) + ")";
    caf::scoped_actor self{*sys_};
    caf::error err;
    caf::actor found;
    uint16_t fast_port = 0;
    err = connect_to(self, p->host, p->port, found);
    if (!err && !found)
      return {errc::unavailable, label + ": no multinode node listens there"};
    if (!err)
      self->request(found, opts_.request_timeout, actors::nhello_atom::value,
                    members_.fingerprint(), members_.self().empty() ? "client" : members_.self())
        .receive([&](std::string&, uint16_t port) { fast_port = port; },
                 [&](caf::error& e) { err = std::move(e); });
    if (err)
      return connect_status(err, label, p->port);
    if (fast_port != 0) { // function calls to it may take the fast path
      std::lock_guard<std::mutex> guard{mu_};
      if (auto ep = endpoint_of(*p, members_.self().empty() ? "client" : members_.self()))
        ep->set_port(fast_port);
    }
    {
      std::lock_guard<std::mutex> guard{peers_mu_};
      peer_actors_[node] = found;
    }
    watch(found);
    out = found;
    return storage::status::ok();
  }

  // Forgets a member's cached node actor as soon as CAF reports it gone (its
  // connection dropped, or heartbeats stopped), so that no call waits out its
  // whole timeout on a dead connection.
  void watch(const caf::actor& target) {
    if (!watcher_) {
      std::lock_guard<std::mutex> guard{peers_mu_};
      if (!watcher_)
        watcher_ = sys_->spawn([this](caf::event_based_actor* self) -> caf::behavior {
          self->set_down_handler([this, self](caf::down_msg& dm) {
            std::string gone;
            {
              std::lock_guard<std::mutex> guard{peers_mu_};
              for (auto& [name, a] : peer_actors_)
                if (a.address() == dm.source)
                  gone = name;
            }
            if (!gone.empty())
              forget(gone);
          });
          return {[self](caf::monitor_atom, const caf::actor& a) { self->monitor(a); }};
        });
    }
    caf::anon_send(watcher_, caf::monitor_atom::value, target);
  }

  void forget(const std::string& node) override {
    std::lock_guard<std::mutex> guard{peers_mu_};
    peer_actors_.erase(node);
    function_cache_.clear();
  }

  bool cached_function(const std::string& function, function_info& out) override {
    std::lock_guard<std::mutex> guard{peers_mu_};
    if (function_cache_.empty()
        || std::chrono::steady_clock::now() - function_cache_time_ >= std::chrono::seconds(2))
      return false;
    return describe_function(function_cache_, function, out);
  }

  bool cached_node_actor(const std::string& node, caf::actor& out) override {
    if (node == members_.self() && node_actor_) {
      out = node_actor_;
      return true;
    }
    std::lock_guard<std::mutex> guard{peers_mu_};
    auto i = peer_actors_.find(node);
    if (i == peer_actors_.end())
      return false;
    out = i->second;
    return true;
  }

  // Fills `out` from the function lists of the members; false when none has it.
  static bool describe_function(const std::map<std::string, std::vector<std::string>>& lists,
                                const std::string& function, function_info& out) {
    out = function_info{};
    for (auto& [node, entries] : lists)
      for (auto& e : entries) {
        auto bar = e.find('|');
        if (e.compare(0, bar, function) != 0 || bar != function.size())
          continue;
        auto bar2 = e.find('|', bar + 1);
        out.nodes.push_back(node);
        out.timeout = std::chrono::milliseconds(std::stoll(e.substr(bar + 1, bar2 - bar - 1)));
        out.max_retries = static_cast<uint32_t>(std::stoul(e.substr(bar2 + 1)));
      }
    return !out.nodes.empty();
  }

  storage::status find_function(const std::string& function, function_info& out) override {
    using namespace std::chrono;
    if (cached_function(function, out)) // the common case: no copy of the lists
      return storage::status::ok();
    std::map<std::string, std::vector<std::string>> lists;
    {
      std::lock_guard<std::mutex> guard{peers_mu_};
      if (steady_clock::now() - function_cache_time_ < seconds(2))
        lists = function_cache_;
    }
    std::string silent; // members that did not answer (may run it: not "unknown")
    if (lists.empty()) {
      // Ask every member (in parallel would be nicer; members are few).
      for (auto& m : members_.members()) {
        caf::actor a;
        if (!node_actor(m.name, a))
          continue; // unreachable members run nothing for now
        caf::scoped_actor self{*sys_};
        self->request(a, opts_.request_timeout, actors::flist_atom::value)
          .receive([&](std::vector<std::string>& names) { lists[m.name] = std::move(names); },
                   [&](caf::error&) {
                     forget(m.name);
                     silent += (silent.empty() ? "'" : ", '") + m.name + "'";
                   });
      }
      if (silent.empty()) { // a partial list is not kept: it could hide the function
        std::lock_guard<std::mutex> guard{peers_mu_};
        function_cache_ = lists;
        function_cache_time_ = steady_clock::now();
      }
    }
    if (!describe_function(lists, function, out) && !silent.empty())
      return {errc::timeout, "cannot tell which nodes run function '" + function + "': node "
                               + silent + " did not answer within the request timeout; retry"};
    if (out.nodes.empty())
      return {errc::unknown_function,
              "no reachable node has registered function '" + function
                + "'; register it with node::register_function on the nodes that run it"};
    return storage::status::ok();
  }

  std::atomic<int>& in_flight(const std::string& node) override {
    std::lock_guard<std::mutex> guard{peers_mu_};
    return in_flight_[node];
  }

  storage::status call_local(const std::string& function, std::string arg,
                             std::chrono::milliseconds timeout, std::string& out) override {
    return call_here(function, std::move(arg), timeout, out, false);
  }

  // call_local; with `may_inline`, a plain body may run on this thread (the
  // fast path's connection threads, whose caller enforces the timeout by
  // closing the connection).
  storage::status call_here(const std::string& function, std::string arg,
                            std::chrono::milliseconds timeout, std::string& out,
                            bool may_inline) {
    caf::actor runner;
    {
      std::lock_guard<std::mutex> guard{mu_};
      runner = runner_;
    }
    if (!runner || stopping_)
      return {errc::unavailable, "node '" + opts_.name + "' is stopping; the call did not run"};
    auto c = std::make_shared<actors::completion>();
    auto fn = functions_->find(function);
    if (fn && !fn->worker) {
      // A plain body: straight to the pool, no actor in between; with
      // may_inline, on this thread when a worker would take it at once.
      actors::pool_task t{function, fn, {std::move(arg)}, false,
                          [c](errc code, std::string payload, std::vector<std::string>) {
                            if (code == errc::none)
                              c->x.out = std::move(payload);
                            else
                              c->x.result = {code, std::move(payload)};
                            c->finish();
                          }};
      if (may_inline || actors::worker_pool::in_body()) // see worker_pool::in_body
        pool_->run_or_submit(std::move(t));
      else
        pool_->submit(std::move(t));
    } else { // an actor function, or unknown here: the runner answers
      c->x.key = function;
      c->x.a = std::move(arg);
      caf::anon_send(runner, actors::flocal_atom::value, c);
    }
    // Waits in slices, so that a node that stops does not wait out a long call.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!c->wait_until(std::min(deadline, std::chrono::steady_clock::now()
                                               + std::chrono::milliseconds(100)))) {
      if (std::chrono::steady_clock::now() >= deadline)
        return {errc::timeout, "function '" + function + "' did not finish within its timeout of "
                                 + std::to_string(timeout.count()) + " ms"};
      if (stopping_)
        return {errc::unavailable,
                "node '" + opts_.name + "' stopped while function '" + function + "' ran"};
    }
    if (!c->x.result)
      return c->x.result;
    out = std::move(c->x.out);
    return storage::status::ok();
  }

  std::shared_ptr<wire::endpoint> fast_path_to(const std::string& node) override {
    std::lock_guard<std::mutex> guard{mu_};
    auto i = endpoints_.find(node);
    if (i == endpoints_.end() || !i->second->ready())
      return nullptr;
    return i->second;
  }

  dict get_dict(const std::string& name, bool allow_reserved) {
    if (auto problem = check_dict_name(name, allow_reserved); !problem.empty())
      throw invalid_argument(errc::invalid_name, problem);
    std::lock_guard<std::mutex> guard{mu_};
    if (state_->stopped)
      throw unavailable(errc::unavailable, "the node has stopped");
    if (auto i = dicts_.find(name); i != dicts_.end())
      return dict{i->second};
    const peer& owner = members_.owner_of(name);
    std::shared_ptr<dict_handle> h;
    if (dir_ && members_.is_self(owner)) {
      h = open_local(name);
    } else {
      actors::remote_dict_config cfg;
      cfg.dict = name;
      cfg.owner = owner;
      cfg.self_name = members_.self().empty() ? "client" : members_.self();
      cfg.fingerprint = members_.fingerprint();
      cfg.connect_timeout = opts_.connect_timeout;
      cfg.request_timeout = opts_.request_timeout;
      cfg.tls = opts_.tls();
      auto fast = endpoint_of(owner, cfg.self_name);
      if (fast)
        cfg.on_fast_port = [fast](uint16_t port) { fast->set_port(port); };
      auto proxy = actors::spawn_remote_dict(*sys_, cfg);
      h = std::make_shared<dict_handle>(name, actors::remote_label(name, owner), state_,
                                        std::move(proxy), nullptr, std::move(fast),
                                        dir_ ? metrics_->dict(name) : nullptr);
    }
    dicts_.emplace(name, h);
    return dict{h};
  }

  std::vector<std::string> dicts() const {
    std::vector<std::string> out;
    if (dir_)
      raise(dir_->list_dicts(out));
    return out;
  }

  std::vector<peer> members() const { return members_.members(); }

  std::vector<member_status> member_statuses() {
    std::vector<member_status> out;
    for (auto& m : members_.members()) {
      member_status ms;
      ms.member = m;
      caf::actor a;
      if (auto st = node_actor(m.name, a); !st) {
        ms.error = st.message();
        out.push_back(std::move(ms));
        continue;
      }
      caf::scoped_actor self{*sys_};
      caf::error err;
      self->request(a, opts_.request_timeout, actors::ndicts_atom::value)
        .receive([&](std::vector<std::string>& names) { ms.dicts = std::move(names); },
                 [&](caf::error& e) { err = std::move(e); });
      ms.up = !err;
      if (err) {
        ms.error = actors::to_status(err, "node '" + m.name + "'").message();
        forget(m.name);
      }
      out.push_back(std::move(ms));
    }
    return out;
  }

  std::vector<dict_info> dict_infos(bool include_system) {
    std::vector<dict_info> out;
    for (auto& ms : member_statuses())
      for (auto& name : ms.dicts) {
        if (!include_system && name.compare(0, 2, "__") == 0)
          continue;
        out.push_back({name, ms.member.name, get_dict(name, true).size()});
      }
    std::sort(out.begin(), out.end(),
              [](const dict_info& a, const dict_info& b) { return a.name < b.name; });
    return out;
  }
  std::string owner_of(const std::string& name) const { return members_.owner_of(name).name; }
  const node_options& options() const noexcept { return opts_; }
  uint16_t fast_port() const noexcept { return fast_port_; }
  uint16_t http_port() const noexcept { return http_port_; }

  // -- HTTP -------------------------------------------------------------------

  void http_route(const std::string& method, const std::string& pattern, http_handler handler) {
    // The first segment ("/a/b" -> "a"; find() - 1 is npos - 1 when no '/' follows).
    auto first = pattern.size() > 1 ? pattern.substr(1, pattern.find('/', 1) - 1) : "";
    if (pattern.size() > 1 && pattern[0] == '/' && runtime::is_builtin_prefix(first))
      throw invalid_argument(errc::invalid_argument,
                             "http_route " + method + " '" + pattern + "': /" + first
                               + " belongs to the built-in API; choose another path");
    routes_->add(method, pattern, std::move(handler));
  }

  caf::actor_system& system() noexcept { return *sys_; }

private:
  // TLS and exposure checks common to nodes and clients; `who` names this
  // process in the refusal log. The fast path has no TLS: off under TLS.
  void secure(const std::string& who) {
    if (!opts_.tls())
      return;
    opts_.fast_path = false;
    runtime::tls::log_refusals_as(who);
    if (auto w = runtime::tls::key_warning(opts_.tls_key); !w.empty())
      std::cerr << "mn: " << w << std::endl;
  }

  // The middleman actor that makes connections: CAF's openssl module's under
  // TLS (the same connect/publish messages), else the plain one.
  caf::io::middleman_actor connector() {
    return opts_.tls() ? sys_->openssl_manager().actor_handle()
                       : sys_->middleman().actor_handle();
  }

  // Connects to the node actor published at host:port (`out` stays empty when
  // nothing is published there); a connection CAF closed in its handshake is
  // tried again within the connect timeout (actors::worth_another_connect).
  caf::error connect_to(caf::scoped_actor& self, const std::string& host, uint16_t port,
                        caf::actor& out) {
    auto deadline = std::chrono::steady_clock::now() + opts_.connect_timeout;
    caf::error err;
    for (int attempt = 0;; ++attempt) {
      err = caf::error{};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      self->request(connector(), std::max(left, std::chrono::milliseconds(1)),
                    caf::connect_atom::value, host, port)
        .receive([&](const caf::node_id&, caf::strong_actor_ptr& ptr,
                     const std::set<std::string>&) { out = caf::actor_cast<caf::actor>(ptr); },
                 [&](caf::error& e) { err = std::move(e); });
      if (!actors::worth_another_connect(err, attempt, deadline))
        return err;
    }
  }

  // A failed connection to `label` (port `port`) as a status; a connection
  // broken in the handshake says what to check about TLS.
  storage::status connect_status(const caf::error& err, const std::string& label,
                                 uint16_t port) {
    auto st = actors::to_status(err, label);
    if (err == caf::sec::disconnect_during_handshake)
      st = {st.code(), label + " refused this process or broke off the connection: "
                         + runtime::tls::handshake_hint(port, opts_.tls())};
    return st;
  }

  void start_system(bool network) {
    // CAF's default is max(cores, 4) workers; on small machines the extra ones
    // only spin against the dict actors' own threads (measured: bench/).
    auto threads = opts_.scheduler_threads;
    if (threads == 0)
      threads = std::max(1u, std::thread::hardware_concurrency());
    cfg_.set("scheduler.max-threads", threads);
    if (opts_.scheduler_policy == "sharing")
      cfg_.set("scheduler.policy", caf::atom("sharing"));
    if (network) {
      cfg_.load<caf::io::middleman>();
      if (opts_.heartbeat_interval.count() > 0) {
        // Both ends must send heartbeats; a peer silent for 4 of them is dropped.
        cfg_.set("middleman.heartbeat-interval", caf::timespan{opts_.heartbeat_interval});
        cfg_.set("middleman.connection-timeout", caf::timespan{opts_.heartbeat_interval * 4});
      }
      if (opts_.tls()) {
        // With any of these set, CAF's openssl module requires a certificate
        // on both sides, verified against the CA (without: anonymous ciphers,
        // no proof of anything; never used here).
        cfg_.load<caf::openssl::manager>();
        cfg_.openssl_certificate = opts_.tls_cert;
        cfg_.openssl_key = opts_.tls_key;
        cfg_.openssl_cafile = opts_.tls_ca;
      }
    }
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    state_ = std::make_shared<node_state>();
    state_->sys = sys_.get();
    state_->timeout = opts_.request_timeout;
    state_->keys_page_size = opts_.keys_page_size > 0 ? opts_.keys_page_size : 1;
  }

  // The fast path to `owner`, shared by all handles to its dicts; nullptr when
  // this process does not use fast paths. REQUIRES: mu_ held.
  std::shared_ptr<wire::endpoint> endpoint_of(const peer& owner, const std::string& self_name) {
    if (!opts_.fast_path)
      return nullptr;
    auto& ep = endpoints_[owner.name];
    if (!ep)
      ep = std::make_shared<wire::endpoint>(owner, self_name, members_.fingerprint(),
                                            opts_.connect_timeout, opts_.request_timeout);
    return ep;
  }

  // Serves the built-in API and the application's routes on opts_.http.
  // Errors: bad_config (address, port in use).
  void start_http() {
    std::string host;
    uint16_t port = 0;
    parse_address(opts_.http, "--http", host, port, true);
    runtime::http_api_hooks hooks;
    hooks.node_name = opts_.name;
    hooks.get_dict = [this](const std::string& name) { return get_dict(name, false); };
    hooks.members = [this] { return member_statuses(); };
    hooks.stopping = [this] { return stopping_.load(); };
    hooks.metrics_text = [this] { return metrics_text(); };
    runtime::add_builtin_routes(*routes_, std::move(hooks));
    http_ = std::make_unique<runtime::http_server>(routes_, metrics_);
    std::string token;
    raise(runtime::http_token(opts_, token));
    http_->require_token(token);
    if (!runtime::tls::is_loopback(host) && token.empty())
      std::cerr << "mn: warning: node '" << opts_.name << "' serves HTTP on " << opts_.http
                << " without a token: anyone who can reach that port can read and write "
                   "every dict; give it --http-token-file FILE, or serve on 127.0.0.1"
                << std::endl;
    if (auto st = http_->start(host, port); !st) {
      stop();
      raise(st);
    }
    http_port_ = port;
  }

  // GET /metrics: the counters, with the gauges read now (the sizes of the
  // dicts in this node's data directory, and which members answer).
  std::string metrics_text() {
    runtime::metrics::gauges g;
    std::vector<std::string> names;
    if (dir_ && dir_->list_dicts(names))
      for (auto& name : names) {
        try {
          auto h = get_dict(name, true).handle();
          auto guard = h->enter();
          auto x = storage::make_op(storage::op_kind::size);
          execute(*h, x); // not through mn::dict: a scrape is not an op to count
          if (x.result)
            g.dict_keys.emplace_back(name, x.count);
        } catch (const error&) {
          // stopping, or a damaged dict: no gauge for it
        }
      }
    for (auto& m : member_statuses())
      g.members_up.emplace_back(m.member.name, m.up);
    return metrics_->render(g);
  }

  actors::node_actor_config node_config() {
    actors::node_actor_config cfg;
    cfg.name = opts_.name;
    cfg.fingerprint = members_.fingerprint();
    cfg.diff = runtime::describe_difference;
    cfg.open = [this](const std::string& name, caf::actor& out) { return open_for_peer(name, out); };
    cfg.list = [this](std::vector<std::string>& out) {
      if (!dir_)
        return storage::status::ok();
      return dir_->list_dicts(out);
    };
    cfg.runner = runner_;
    return cfg;
  }

  void listen() {
    std::string host;
    uint16_t port = 0;
    parse_address(opts_.listen, "--listen", host, port);
    auto cfg = node_config();
    if (!opts_.tls() && !runtime::tls::is_loopback(host))
      std::cerr << "mn: warning: node '" << opts_.name << "' listens on " << opts_.listen
                << " without TLS: anyone who can reach that port can read and write every "
                   "dict; give it --tls-cert, --tls-key and --tls-ca (scripts/make-certs.sh), "
                   "or listen on 127.0.0.1"
                << std::endl;
    if (opts_.fast_path) {
      wire::server::config wcfg;
      wcfg.host = host;
      wcfg.self_name = opts_.name;
      wcfg.fingerprint = members_.fingerprint();
      wcfg.diff = runtime::describe_difference;
      wcfg.resolve = [this](const std::string& name, std::shared_ptr<dict_handle>& out) {
        return resolve_for_peer(name, out);
      };
      wcfg.call_function = [this](const std::string& name, storage::op& x) {
        x.result = call_here(name, std::move(x.a), std::chrono::milliseconds(x.count), x.out,
                             true);
      };
      wire_ = std::make_unique<wire::server>(std::move(wcfg));
      cfg.fast_port = opts_.fast_port;
      if (auto st = wire_->start(cfg.fast_port); !st) {
        stop();
        raise(st);
      }
      fast_port_ = cfg.fast_port;
    }
    node_actor_ = actors::spawn_node_actor(*sys_, std::move(cfg));
    auto res = opts_.tls() ? caf::openssl::publish(node_actor_, port, host.c_str(), true)
                           : sys_->middleman().publish(node_actor_, port, host.c_str(), true);
    if (!res) {
      auto why = sys_->render(res.error());
      stop();
      throw invalid_argument(errc::bad_config,
                             "cannot listen on " + opts_.listen + " (" + why
                               + "): is the port in use? choose another --listen port or "
                                 "stop the process that holds it");
    }
  }

  // REQUIRES: mu_ held.
  std::shared_ptr<dict_handle> open_local(const std::string& name) {
    std::string path;
    raise(dir_->dict_path(name, true, path));
    std::shared_ptr<storage::dict_store> store;
    raise(storage::dict_store::open(path, env_opts_, store));
    auto m = metrics_->dict(name);
    auto actor = actors::spawn_dict_actor(*sys_, name, store, m);
    auto label = opts_.peers.empty() ? "dict '" + name + "'"
                                     : "dict '" + name + "' on node '" + opts_.name + "'";
    return std::make_shared<dict_handle>(name, label, state_, std::move(actor), std::move(store),
                                         nullptr, std::move(m));
  }

  // Another process asks for a dict: only the owner serves it, so that no
  // dict ever gets two owners even when a caller's view is wrong.
  storage::status resolve_for_peer(const std::string& name, std::shared_ptr<dict_handle>& out) {
    if (auto problem = check_dict_name(name, true); !problem.empty())
      return {errc::invalid_name, problem};
    const peer& owner = members_.owner_of(name);
    if (!members_.is_self(owner))
      return {errc::bad_config, "node '" + opts_.name + "' does not own dict '" + name
                                  + "' (node '" + owner.name
                                  + "' does); the caller's membership differs"};
    try {
      out = get_dict(name, true).handle();
      return storage::status::ok();
    } catch (const error& e) {
      return {e.code(), e.what()};
    }
  }

  // The node actor's opener.
  storage::status open_for_peer(const std::string& name, caf::actor& out) {
    std::shared_ptr<dict_handle> h;
    auto st = resolve_for_peer(name, h);
    if (st)
      out = h->actor();
    return st;
  }

  void stop() {
    if (!sys_)
      return;
    stopping_ = true;
    if (http_)
      http_->stop(); // requests in progress finish first (/healthz answers 503 now)
    {
      std::lock_guard<std::mutex> guard{scheduler_mu_};
      if (scheduler_)
        scheduler_->stop(); // runs already started finish on the function threads
    }
    stop_reaper();
    if (wire_)
      wire_->stop(); // its threads finish their current call first
    {
      std::unique_lock<std::shared_mutex> guard{state_->mu};
      state_->stopped = true;
      std::lock_guard<std::mutex> dicts_guard{mu_};
      for (auto& [name, h] : dicts_) {
        caf::anon_send_exit(h->actor(), caf::exit_reason::user_shutdown);
        // Handles sent to other nodes are kept in CAF's registry; a detached
        // actor left there keeps the actor system from ever shutting down
        // (CAF issue #1110).
        sys_->registry().erase(h->actor().id());
        h->detach();
      }
      dicts_.clear();
      for (auto& [name, ep] : endpoints_)
        ep->close_all();
      if (node_actor_) {
        caf::anon_send_exit(node_actor_, caf::exit_reason::user_shutdown);
        sys_->registry().erase(node_actor_.id());
      }
      if (runner_) {
        caf::anon_send_exit(runner_, caf::exit_reason::user_shutdown);
        sys_->registry().erase(runner_.id());
      }
      if (watcher_)
        caf::anon_send_exit(watcher_, caf::exit_reason::user_shutdown);
      runner_ = caf::actor{};
      std::lock_guard<std::mutex> peers_guard{peers_mu_};
      peer_actors_.clear();
      node_actor_ = caf::actor{};
    }
    sys_.reset(); // waits until every dict actor committed its last batch and stopped
    if (pool_)
      pool_->stop(); // done by the runner's exit already; nothing may outlive the node
  }

  node_options opts_;
  runtime::membership members_;
  std::optional<storage::data_dir> dir_; // absent for a client; released after the system
  storage::env_options env_opts_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<node_state> state_;
  caf::actor node_actor_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<dict_handle>> dicts_;
  std::map<std::string, std::shared_ptr<wire::endpoint>> endpoints_; // by node name
  std::unique_ptr<wire::server> wire_;
  uint16_t fast_port_ = 0;
  std::shared_ptr<runtime::metrics> metrics_ = std::make_shared<runtime::metrics>();
  std::shared_ptr<runtime::http_router> routes_ = std::make_shared<runtime::http_router>();
  std::unique_ptr<runtime::http_server> http_; // with --http
  uint16_t http_port_ = 0;
  std::shared_ptr<actors::function_table> functions_;
  std::shared_ptr<actors::worker_pool> pool_; // runs plain function bodies
  caf::actor runner_;
  std::atomic<bool> stopping_{false};
  caf::actor watcher_;  // monitors peer_actors_ (see watch)
  std::mutex peers_mu_; // guards the four below
  std::map<std::string, caf::actor> peer_actors_; // node actors of other members
  std::map<std::string, std::vector<std::string>> function_cache_; // flist per member
  std::chrono::steady_clock::time_point function_cache_time_{};
  std::map<std::string, std::atomic<int>> in_flight_;
  int64_t started_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::mutex scheduler_mu_;
  std::unique_ptr<scheduler> scheduler_; // once something was scheduled
  std::mutex reaper_mu_; // guards reaper_stop_ and registered_jobs_
  std::condition_variable reaper_cv_;
  bool reaper_stop_ = false;
  std::map<std::string, job_options> registered_jobs_; // what the reaper looks after
  std::thread reaper_;
};

} // namespace detail

// -- node ---------------------------------------------------------------------

node::node(node_options opts) : impl_(std::make_unique<detail::node_impl>(std::move(opts))) {
  // nop
}

node::~node() = default;

dict node::get_dict(const std::string& name) {
  return impl_->get_dict(name, false);
}

dict node::get_system_dict(const std::string& name) {
  return impl_->get_dict(name, true);
}

void node::register_function(const std::string& name, function_body body,
                             function_options opts) {
  impl_->register_function(name, std::move(body), opts);
}

void node::register_actor_function(const std::string& name, const caf::actor& worker,
                                   function_options opts) {
  impl_->register_actor_function(name, worker, opts);
}

function_handle node::function(const std::string& name, call_options opts) {
  return impl_->function(name, opts);
}

void node::register_job(const std::string& name, job_body body, job_options opts) {
  impl_->register_job(name, std::move(body), opts);
}

job_handle node::job(const std::string& name) {
  return impl_->job(name);
}

void node::schedule(const std::string& name, const every& when, schedule_body body,
                    schedule_options opts) {
  impl_->schedule(name, when, std::move(body), opts);
}

void node::schedule(const std::string& name, const cron& when, schedule_body body,
                    schedule_options opts) {
  impl_->schedule(name, when, std::move(body), opts);
}

std::vector<schedule_info> node::schedules() {
  return impl_->schedules();
}

std::vector<std::string> node::dicts() const {
  return impl_->dicts();
}

std::vector<peer> node::members() const {
  return impl_->members();
}

std::string node::owner_of(const std::string& dict_name) const {
  return impl_->owner_of(dict_name);
}

uint16_t node::fast_path_port() const noexcept {
  return impl_->fast_port();
}

void node::http_route(const std::string& method, const std::string& pattern,
                      http_handler handler) {
  impl_->http_route(method, pattern, std::move(handler));
}

uint16_t node::http_port() const noexcept {
  return impl_->http_port();
}

const node_options& node::options() const noexcept {
  return impl_->options();
}

caf::actor_system& node::system() noexcept {
  return impl_->system();
}

// -- client -------------------------------------------------------------------

client::client(const std::string& node_address, node_options opts)
  : impl_(std::make_unique<detail::node_impl>(node_address, std::move(opts))) {
  // nop
}

client::~client() = default;

dict client::get_dict(const std::string& name) {
  return impl_->get_dict(name, false);
}

dict client::get_system_dict(const std::string& name) {
  return impl_->get_dict(name, true);
}

function_handle client::function(const std::string& name, call_options opts) {
  return impl_->function(name, opts);
}

job_handle client::job(const std::string& name) {
  return impl_->job(name);
}

std::vector<member_status> client::member_statuses() {
  return impl_->member_statuses();
}

std::vector<dict_info> client::dict_infos(bool include_system) {
  return impl_->dict_infos(include_system);
}

std::vector<member_status> node::member_statuses() {
  return impl_->member_statuses();
}

std::vector<dict_info> node::dict_infos(bool include_system) {
  return impl_->dict_infos(include_system);
}

std::vector<schedule_info> client::schedules() {
  return impl_->schedules();
}

std::vector<peer> client::members() const {
  return impl_->members();
}

std::string client::owner_of(const std::string& dict_name) const {
  return impl_->owner_of(dict_name);
}

caf::actor_system& client::system() noexcept {
  return impl_->system();
}

} // namespace mn
