#pragma once
// The function runner: the CAF face of the functions this node registered.
// Plain bodies run on the worker pool (threads of its own, so that user code
// may block or run long without stalling CAF's scheduler); actor functions
// get a request. Calls beyond a function's max_concurrency wait in a queue,
// in arrival order (the pool's, or the runner's for actor functions).
#include "actors/function_table.hpp"
#include "actors/worker_pool.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace mn::actors {

/// Spawns the runner of node `node_name`: plain functions run on `pool`
/// (shared with the node's direct callers), actor functions are asked by
/// request. Sending it an exit message stops the pool, after the running
/// calls finish (its handler then waits for them on a scheduler thread: only
/// at shutdown).
caf::actor spawn_function_runner(caf::actor_system& sys, std::string node_name,
                                 std::shared_ptr<function_table> table,
                                 std::shared_ptr<worker_pool> pool);

} // namespace mn::actors
