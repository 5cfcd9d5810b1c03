#pragma once
// The node actor: answers other nodes' and clients' hello, open and members
// requests (node_protocol.hpp) for this node.
#include "storage/status.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace mn::actors {

struct node_actor_config {
  std::string name;        // this node's name
  std::string fingerprint; // the membership, as runtime::membership::fingerprint()
  uint16_t fast_port = 0;  // the wire fast path's port (0: none)
  caf::actor runner;       // the node's function runner (function_protocol.hpp)
  /// Opens dict `name` here (error when this node does not own it).
  std::function<storage::status(const std::string& name, caf::actor& out)> open;
  /// The dicts in this node's data directory, sorted.
  std::function<storage::status(std::vector<std::string>& out)> list;
  /// Words for a membership difference (runtime::describe_difference).
  std::function<std::string(const std::string& here, const std::string& there)> diff;
};

caf::actor spawn_node_actor(caf::actor_system& sys, node_actor_config cfg);

} // namespace mn::actors
