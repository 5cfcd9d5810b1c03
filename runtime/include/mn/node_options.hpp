#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace mn {

/// How an acknowledged write is kept.
enum class durability {
  /// Default. A write is acknowledged once LMDB committed and synced it: it
  /// survives kill -9 of the node and a crash of the machine.
  sync,
  /// Commits are not synced (LMDB's MDB_NOSYNC): a write survives kill -9 of
  /// the node, but a machine crash or power loss may lose the last seconds of
  /// acknowledged writes. Several times faster for one writer.
  relaxed,
};

/// Settings of an mn::node.
struct node_options {
  /// Where the node keeps its dicts; created (owner-only) when missing. One
  /// node at a time may use a directory.
  std::string data_dir = "./mn-data";
  mn::durability durability = mn::durability::sync;
  /// Longest wait of a blocking call for its answer; then mn::timeout.
  std::chrono::milliseconds request_timeout{10000};
  /// LMDB map size of a new dict; it grows by itself when full.
  std::size_t initial_map_size = std::size_t{64} << 20;
  /// Keys fetched per page by dict::keys().
  std::size_t keys_page_size = 1024;
  /// Threads of CAF's scheduler; 0 means one per core. (Dict actors and
  /// blocking user code run on threads of their own, not on these.)
  std::size_t scheduler_threads = 0;
};

} // namespace mn
