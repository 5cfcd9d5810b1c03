#pragma once
// The dict actor: the single serialisation point of one named dict. It owns the
// dict's dict_store, runs on a thread of its own (detached: an fsync must not
// stall CAF's scheduler), and answers the messages of dict_protocol.hpp.
//
// Group commit: a write is not applied when it arrives. It joins the current
// batch, and the first write of a batch sends the actor a flush message, which
// queues behind everything already in the mailbox. When the flush arrives the
// whole batch runs in one write transaction, one synced commit, and then every
// request of the batch is answered: N concurrent writers cost one sync, and an
// answer means the write is on disk. A read that arrives while writes wait
// joins the batch too, so each sender sees its requests take effect in order;
// with no writes waiting, a read is answered at once from a snapshot.
#include "actors/dict_metrics.hpp"
#include "storage/dict_store.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace mn::actors {

/// Largest batch: a batch this large is committed without waiting for the flush.
inline constexpr std::size_t max_batch_ops = 1024;

/// Spawns the actor of dict `name` over `store`. Sending it an exit message
/// commits and answers the pending batch, then stops it. With `metrics`, every
/// group commit records its size and time there.
caf::actor spawn_dict_actor(caf::actor_system& sys, std::string name,
                            std::shared_ptr<storage::dict_store> store,
                            std::shared_ptr<dict_metrics> metrics = nullptr);

} // namespace mn::actors
