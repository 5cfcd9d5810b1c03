#pragma once
#include <mn/cluster_info.hpp>
#include <mn/dict.hpp>
#include <mn/function.hpp>
#include <mn/http.hpp>
#include <mn/job.hpp>
#include <mn/node_options.hpp>
#include <mn/schedule.hpp>

#include <memory>
#include <string>
#include <vector>

namespace caf {
class actor;
class actor_system;
} // namespace caf

namespace mn {

namespace detail {
class node_impl;
} // namespace detail

/// A runtime node: the CAF actor system of this process and the dicts of its
/// data directory. Each dict has exactly one owner node in the cluster (see
/// owner_of); its actor there serialises every operation on it. get_dict()
/// gives the same handle type for a dict here or on another node.
///
/// Alone (no `listen`, no `peers`) it is an embedded node with no network.
/// With `listen` it accepts the other nodes and clients; with `peers` it forms
/// a cluster with them (every node must be given the same membership).
///
/// Thread-safe. Destroying the node commits every accepted write, answers it,
/// and closes the data directory; dict handles still alive afterwards throw
/// mn::unavailable.
class node {
public:
  /// Starts the node. Errors (mn::invalid_argument, code bad_config): bad
  /// options (see node_options::validate), the data directory is a file,
  /// cannot be created or written, or is used by another node; the listen
  /// port is in use; the data directory was used with another node name or
  /// other member names (its MEMBERSHIP record, see
  /// runtime/membership_record.hpp; checked before any dict is opened).
  explicit node(node_options opts = {});
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// The dict named `name`, created empty on first use. Every call with the
  /// same name returns a handle to the same dict.
  /// Errors: mn::invalid_argument (invalid_name) for a bad name (see
  /// <mn/names.hpp>); mn::storage_error when its files are damaged.
  dict get_dict(const std::string& name);

  /// Registers `body` as function `name` on this node (the same binary
  /// registers it on every node that should run it). Registering a name again
  /// replaces the body. Errors: mn::invalid_argument for an empty name.
  void register_function(const std::string& name, function_body body,
                         function_options opts = {});
  /// Registers actor `worker` as function `name` (see <mn/actor_function.hpp>
  /// for what it receives and answers). Errors: mn::invalid_argument for an
  /// empty name or an invalid actor handle.
  void register_actor_function(const std::string& name, const caf::actor& worker,
                               function_options opts = {});
  /// A handle to call function `name` wherever it is registered.
  function_handle function(const std::string& name, call_options opts = {});

  /// Registers `body` as job `name` on this node, run under `opts` (see
  /// <mn/job.hpp>; every node that registers it should give the same opts).
  /// Errors: mn::invalid_argument for an empty name or a max_concurrency over
  /// mn::max_job_concurrency.
  void register_job(const std::string& name, job_body body, job_options opts = {});
  /// A handle to start and follow jobs of `name`.
  job_handle job(const std::string& name);

  /// Schedules `body` as task `name` (see <mn/schedule.hpp>): it runs once per
  /// period in the whole cluster, on one of the nodes that scheduled it.
  /// Scheduling a name again replaces the body here. Errors:
  /// mn::invalid_argument, naming the bad part: an empty name, one over 400
  /// bytes or with '@'; an interval under 1 ms; a bad cron field, an unknown
  /// time zone, a cron expression that never matches; a negative grace.
  void schedule(const std::string& name, const every& when, schedule_body body,
                schedule_options opts = {});
  void schedule(const std::string& name, const cron& when, schedule_body body,
                schedule_options opts = {});
  /// Every scheduled task of the cluster with its next due time, last run,
  /// outcome and node, sorted by name. Errors: mn::unavailable when the
  /// records' owner cannot be reached.
  std::vector<schedule_info> schedules();

  /// The names of every dict in this node's data directory, sorted.
  std::vector<std::string> dicts() const;

  /// Every member with whether it answers now and the dicts it holds, sorted
  /// by name; asks each member (bounded by the request timeout). Never throws
  /// for a member that is down: its entry says why.
  std::vector<member_status> member_statuses();
  /// Every dict of the cluster with its owner and size, sorted by name; the
  /// runtime's own ("__...") only with `include_system`. Dicts of members that
  /// are down are missing. Errors: mn::unavailable when a size cannot be read.
  std::vector<dict_info> dict_infos(bool include_system = false);
  /// Every node of the cluster (this one included), sorted by name.
  std::vector<peer> members() const;
  /// The name of the node that owns dict `dict_name` (rendezvous hashing of
  /// the name over the members: every process computes the same owner).
  std::string owner_of(const std::string& dict_name) const;

  const node_options& options() const noexcept;
  /// The port of the fast path (see node_options::fast_path), 0 when off.
  uint16_t fast_path_port() const noexcept;

  /// Serves `handler` for `method` ("GET", "POST", "PUT", "DELETE", "PATCH")
  /// at `pattern` ("/users/{id}/score") on this node's --http port, next to
  /// the built-in API; see <mn/http.hpp> for the matching rules, the threads
  /// handlers run on and how their exceptions are answered. Routes may be
  /// added at any time, before or while the server runs; a node without
  /// --http keeps them and serves nothing. Registering the same method and
  /// pattern shape again replaces the handler. Errors: mn::invalid_argument
  /// naming the problem: unknown method, a pattern not starting with '/', a
  /// malformed {param}, or a pattern under /dicts, /healthz or /metrics (the
  /// built-in API's).
  void http_route(const std::string& method, const std::string& pattern, http_handler handler);
  /// The port the HTTP server listens on (the one picked when --http gave
  /// port 0); 0 when the node serves no HTTP.
  uint16_t http_port() const noexcept;

  /// The CAF actor system, for applications written as actors.
  caf::actor_system& system() noexcept;

  /// Internal: a dict whose name may start with "__" (the runtime's own).
  dict get_system_dict(const std::string& name);

private:
  std::unique_ptr<detail::node_impl> impl_;
};

} // namespace mn
