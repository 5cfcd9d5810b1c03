#pragma once
// The remote-dict actor: this process's stand-in for a dict owned by another
// node. It understands the dict protocol (dict_protocol.hpp) and forwards each
// request to the owner's dict actor (CAF delegation: the answer goes straight
// back to the requester), so that a handle talks to a local actor wherever the
// dict lives.
//
//   disconnected --request--> connecting --hello+open ok--> connected
//        ^                        |                              |
//        |  (backoff: requests    | failure: queued requests     | owner's dict actor
//        |   fail at once)        v get mn::unavailable          v down (node died)
//        +------------------- backing off <--------------- disconnected
//
// Connecting = CAF middleman connect (bounded by connect_timeout), hello (same
// membership or a bad_config error naming the difference), open (the owner
// returns its dict actor). After a failure the next attempt waits 100 ms,
// doubling up to 2 s; requests during that wait fail at once with
// mn::unavailable naming the node, so nothing ever hangs.
#include <mn/node_options.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace mn::actors {

struct remote_dict_config {
  std::string dict;          // the dict's name
  peer owner;                // the node that owns it
  std::string self_name;     // this process's name (for the owner's messages)
  std::string fingerprint;   // this process's view of the membership
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  /// Connect through CAF's openssl module (the node runs TLS).
  bool tls = false;
  /// Told the owner's fast-path port at each (re)connection.
  std::function<void(uint16_t)> on_fast_port;
};

caf::actor spawn_remote_dict(caf::actor_system& sys, remote_dict_config cfg);

/// "dict 'x' on node 'b' (127.0.0.1:4243)".
std::string remote_label(const std::string& dict, const peer& owner);

} // namespace mn::actors
