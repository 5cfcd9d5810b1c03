#pragma once
// membership: the nodes of the cluster and where each dict lives.
//
// Placement is rendezvous hashing: the owner of dict D is the member M with the
// highest score(M.name, D). Every process computes it alone from the same
// member list, so there is no directory to ask and no dict can have two owners
// while the lists agree; nodes check that they do when they connect
// (fingerprint()). Adding a member moves only the dicts it now wins.
//
//   score(M, D)   := splitmix64(fnv1a64(M.name + '\n' + D))
//   fingerprint() := "name@host:port" of every member, sorted by name, joined by ","
#include <mn/node_options.hpp>

#include <string>
#include <vector>

namespace mn::runtime {

class membership {
public:
  membership() = default;
  /// `self` may be empty (a client, which owns nothing).
  membership(std::string self, std::vector<peer> members);

  /// From the options of a node: its own entry plus its peers.
  static membership from_options(const node_options& opts);
  /// From a fingerprint() string (what a node tells a client).
  /// Errors: mn::invalid_argument (bad_config).
  static membership parse(const std::string& self, const std::string& fingerprint);

  /// The owner of dict `name`. REQUIRES: !members().empty().
  const peer& owner_of(const std::string& name) const;
  bool is_self(const peer& p) const noexcept { return p.name == self_; }
  const std::string& self() const noexcept { return self_; }
  const std::vector<peer>& members() const noexcept { return members_; }
  const peer* find(const std::string& name) const;
  std::string fingerprint() const;

private:
  std::string self_;
  std::vector<peer> members_; // sorted by name
};

/// What differs between two fingerprints, in words ("'c' is 127.0.0.1:3 here
/// but 127.0.0.1:4 there; 'd' is only there").
std::string describe_difference(const std::string& here, const std::string& there);

} // namespace mn::runtime
