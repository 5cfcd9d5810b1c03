#pragma once
// execute: runs one dict op by the shortest path to the dict:
//   local dict, read ........ straight from the LMDB snapshot
//   local dict, write ....... the dict actor (group commit)
//   remote, fast path ready . the wire connection to the owner
//   remote otherwise ........ the remote-dict actor (CAF), which connects
// The op's result says how it went (the dict's own errors, or unavailable /
// timeout naming the node). REQUIRES: a guard from h.enter().
#include "runtime/detail/dict_handle.hpp"

namespace mn::detail {

void execute(const dict_handle& h, storage::op& x);

} // namespace mn::detail
