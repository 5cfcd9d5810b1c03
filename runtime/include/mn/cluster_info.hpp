#pragma once
// What a node or client can tell of the whole cluster: which members answer
// and which dicts each holds (mn nodes, mn dicts, GET /healthz).
#include <mn/node_options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mn {

/// One member as seen from here, now.
struct member_status {
  peer member;
  bool up = false;                 ///< it answered within the request timeout
  std::string error;               ///< why not, when down
  std::vector<std::string> dicts;  ///< the dicts in its data directory (it owns them)
};

/// One dict of the cluster.
struct dict_info {
  std::string name;
  std::string owner;  ///< the node that holds it
  uint64_t size = 0;  ///< its number of keys, now
};

} // namespace mn
