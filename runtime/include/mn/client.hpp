#pragma once
// mn::client: a process that uses the cluster's dicts but owns none (a CLI, a
// script, a web service). It asks one node for the membership, then talks to
// each dict's owner directly, with the same mn::dict API as a node.
#include <mn/cluster_info.hpp>
#include <mn/dict.hpp>
#include <mn/function.hpp>
#include <mn/job.hpp>
#include <mn/node_options.hpp>
#include <mn/schedule.hpp>

#include <memory>
#include <string>
#include <vector>

namespace caf {
class actor_system;
} // namespace caf

namespace mn {

namespace detail {
class node_impl;
} // namespace detail

class client {
public:
  /// Connects to the node at `node_address` ("HOST:PORT") and learns the
  /// cluster from it. Of `opts`, the timeouts, heartbeat and scheduler
  /// settings apply. Errors: mn::unavailable when nothing answers there within
  /// the connect timeout; mn::invalid_argument (bad_config) for a malformed
  /// address.
  explicit client(const std::string& node_address, node_options opts = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// The dict named `name`, wherever it lives. Errors: as node::get_dict.
  dict get_dict(const std::string& name);
  /// Internal: a dict whose name may start with "__".
  dict get_system_dict(const std::string& name);
  /// A handle to call function `name` wherever it is registered.
  function_handle function(const std::string& name, call_options opts = {});
  /// A handle to start and follow jobs of `name`.
  job_handle job(const std::string& name);
  /// Every scheduled task of the cluster (see node::schedules).
  std::vector<schedule_info> schedules();
  /// Every member with whether it answers now and the dicts it holds, sorted
  /// by name; asks each member (bounded by the request timeout). Never throws
  /// for a member that is down: its entry says why.
  std::vector<member_status> member_statuses();
  /// Every dict of the cluster with its owner and size, sorted by name; the
  /// runtime's own ("__...") only with `include_system`. Dicts of members that
  /// are down are missing. Errors: mn::unavailable when a size cannot be read.
  std::vector<dict_info> dict_infos(bool include_system = false);
  /// Every node of the cluster, sorted by name.
  std::vector<peer> members() const;
  /// The name of the node that owns dict `dict_name`.
  std::string owner_of(const std::string& dict_name) const;
  /// The CAF actor system, for actors that use mn::async_dict.
  caf::actor_system& system() noexcept;

private:
  std::unique_ptr<detail::node_impl> impl_;
};

} // namespace mn
