#pragma once
// completion: how a plain thread of this process hands one op to a dict actor
// and waits for it without CAF's request machinery (no scoped_actor to spawn,
// no timeout timer in CAF's clock, no response message): the actor applies the
// op with its batch and signals the condition variable after the commit.
// Local only: it never crosses a node boundary.
#include "storage/op.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace mn::actors {

struct completion {
  storage::op x; // in: the op; out: its results, once `done`
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;

  /// Called by the dict actor once x holds the results.
  void finish() {
    {
      std::lock_guard<std::mutex> guard{mu};
      done = true;
    }
    cv.notify_one();
  }

  /// Waits until finished or `deadline`; false on timeout.
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> guard{mu};
    return cv.wait_until(guard, deadline, [this] { return done; });
  }
};

using completion_ptr = std::shared_ptr<completion>;

/// (dlocal_atom, completion_ptr): apply c->x, then c->finish().
using dlocal_atom = caf::atom_constant<caf::atom("mn_local")>;

} // namespace mn::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mn::actors::completion_ptr)
