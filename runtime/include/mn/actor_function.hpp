#pragma once
// Actor functions: for applications written as CAF actors, a function of the
// cluster may be an actor instead of a plain callable. The node's runner sends
// it (mn::call_atom, mn::value arg) and expects an mn::value reply (a
// caf::error reply reaches the caller as mn::function_error with its text).
//
//   caf::behavior square(caf::event_based_actor*) {
//     return {[](mn::call_atom, const mn::value& x) -> mn::value {
//       return x.get<int64_t>() * x.get<int64_t>();
//     }};
//   }
//   node.register_actor_function("square", node.system().spawn(square));
//   node.function("square").call(7);   // 49, from any process of the cluster
//
// The actor runs on CAF's scheduler: it must not block (ask a dict with
// mn::async_dict, or spawn it detached). It may answer later through a
// response promise. The timeout, retries and max_concurrency of
// function_options apply as to any function; the node sends the actor an exit
// message when it stops.
//
// This header includes CAF: include it only where actors are written.
#include <mn/value.hpp>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace mn {

/// The message an actor function receives: (call_atom, mn::value).
using call_atom = caf::atom_constant<caf::atom("mn_call")>;

} // namespace mn

// mn::value travels between local actors only (arguments cross nodes encoded).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mn::value)
