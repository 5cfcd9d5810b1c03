#pragma once
// The location-transparent handle behind mn::dict: the dict's actor (local or,
// later, on another node) and, where this process owns the dict, its store for
// direct reads. Internal: includes CAF.
#include "actors/caf_errors.hpp"
#include "actors/dict_metrics.hpp"
#include "storage/dict_store.hpp"

#include <mn/error.hpp>

#include "runtime/wire/client.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

namespace mn::detail {

/// What handles need of their node. Shared, so that a handle outliving its
/// node finds `stopped` instead of a dangling pointer.
struct node_state {
  std::shared_mutex mu; // shared: a call in progress; exclusive: the node stopping
  std::atomic<bool> stopped{false};
  caf::actor_system* sys = nullptr;
  std::chrono::milliseconds timeout{10000};
  std::size_t keys_page_size = 1024;
};

class dict_handle {
public:
  /// `label` names the dict and, when remote, its node, for error messages.
  dict_handle(std::string name, std::string label, std::shared_ptr<node_state> node,
              caf::actor actor, std::shared_ptr<storage::dict_store> local,
              std::shared_ptr<wire::endpoint> fast = nullptr,
              std::shared_ptr<actors::dict_metrics> metrics = nullptr)
    : name_(std::move(name)), label_(std::move(label)), node_(std::move(node)),
      actor_(std::move(actor)), local_(std::move(local)), fast_(std::move(fast)),
      metrics_(std::move(metrics)) {}

  const std::string& name() const noexcept { return name_; }
  const std::string& label() const noexcept { return label_; }
  const std::shared_ptr<node_state>& node() const noexcept { return node_; }
  const caf::actor& actor() const noexcept { return actor_; }
  /// Where calls through this handle are counted and timed (GET /metrics);
  /// nullptr: not measured. Valid as long as the handle.
  actors::dict_metrics* metrics() const noexcept { return metrics_.get(); }

  /// A lock that keeps the node up for the duration of one call.
  /// Errors: unavailable when the node has stopped.
  std::shared_lock<std::shared_mutex> enter() const {
    std::shared_lock<std::shared_mutex> guard{node_->mu};
    if (node_->stopped)
      throw unavailable(errc::unavailable,
                        "dict '" + name_ + "': its node has stopped; get a new handle from a "
                                          "running node");
    return guard;
  }

  /// The local store, or nullptr when the dict lives elsewhere.
  /// REQUIRES: a guard from enter().
  storage::dict_store* local() const noexcept { return local_.get(); }

  /// The fast path to the owner, or nullptr (local dict, or a client of a
  /// node without one). REQUIRES: a guard from enter().
  wire::endpoint* fast_path() const noexcept { return fast_.get(); }

  /// Sends `xs...` to the dict's actor and waits for the answer, which goes to
  /// `on_reply`. REQUIRES: a guard from enter(). Returns the dict's error,
  /// timeout or unavailable.
  template <class F, class... Ts>
  storage::status try_call(F&& on_reply, Ts&&... xs) const {
    caf::scoped_actor self{*node_->sys};
    caf::error err;
    self->request(actor_, node_->timeout, std::forward<Ts>(xs)...)
      .receive(std::forward<F>(on_reply), [&](caf::error& e) { err = std::move(e); });
    return actors::to_status(err, label_);
  }

  /// Called by the node, under its exclusive lock, when it stops.
  void detach() {
    actor_ = caf::actor{};
    local_.reset();
    if (fast_)
      fast_->close_all();
  }

private:
  std::string name_;
  std::string label_;
  std::shared_ptr<node_state> node_;
  caf::actor actor_;
  std::shared_ptr<storage::dict_store> local_;
  std::shared_ptr<wire::endpoint> fast_;
  std::shared_ptr<actors::dict_metrics> metrics_;
};

/// Throws the mn exception for a failed storage status.
inline void raise(const storage::status& st) {
  if (!st)
    throw_error(st.code(), st.message());
}

} // namespace mn::detail
