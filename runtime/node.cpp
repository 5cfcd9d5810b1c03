#include <mn/node.hpp>

#include <mn/names.hpp>

#include "actors/dict_actor.hpp"
#include "runtime/detail/dict_handle.hpp"
#include "storage/data_dir.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <thread>

namespace mn {

namespace detail {

class node_impl {
public:
  explicit node_impl(node_options opts) : opts_(std::move(opts)) {
    raise(storage::data_dir::open(opts_.data_dir, dir_));
    // CAF's default is max(cores, 4) workers; on small machines the extra ones
    // only spin against the dict actors' own threads (measured: bench/).
    auto threads = opts_.scheduler_threads;
    if (threads == 0)
      threads = std::max(1u, std::thread::hardware_concurrency());
    cfg_.set("scheduler.max-threads", threads);
    env_opts_.initial_map_size = opts_.initial_map_size;
    env_opts_.sync = opts_.durability == durability::sync;
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    state_ = std::make_shared<node_state>();
    state_->sys = sys_.get();
    state_->timeout = opts_.request_timeout;
    state_->keys_page_size = opts_.keys_page_size > 0 ? opts_.keys_page_size : 1;
  }

  ~node_impl() {
    {
      std::unique_lock<std::shared_mutex> guard{state_->mu};
      state_->stopped = true;
      std::lock_guard<std::mutex> dicts_guard{mu_};
      for (auto& [name, h] : dicts_) {
        caf::anon_send_exit(h->actor(), caf::exit_reason::user_shutdown);
        h->detach();
      }
      dicts_.clear();
    }
    sys_.reset(); // waits until every dict actor committed its last batch and stopped
  }

  dict get_dict(const std::string& name, bool allow_reserved) {
    if (auto problem = check_dict_name(name, allow_reserved); !problem.empty())
      throw invalid_argument(errc::invalid_name, problem);
    std::lock_guard<std::mutex> guard{mu_};
    if (auto i = dicts_.find(name); i != dicts_.end())
      return dict{i->second};
    std::string path;
    raise(dir_.dict_path(name, true, path));
    std::shared_ptr<storage::dict_store> store;
    raise(storage::dict_store::open(path, env_opts_, store));
    auto actor = actors::spawn_dict_actor(*sys_, name, store);
    auto h = std::make_shared<dict_handle>(name, state_, std::move(actor), std::move(store));
    dicts_.emplace(name, h);
    return dict{h};
  }

  std::vector<std::string> dicts() const {
    std::vector<std::string> out;
    raise(dir_.list_dicts(out));
    return out;
  }

  const node_options& options() const noexcept { return opts_; }
  caf::actor_system& system() noexcept { return *sys_; }

private:
  node_options opts_;
  storage::data_dir dir_; // declared before the system: released last
  storage::env_options env_opts_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<node_state> state_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<dict_handle>> dicts_;
};

} // namespace detail

node::node(node_options opts) : impl_(std::make_unique<detail::node_impl>(std::move(opts))) {
  // nop
}

node::~node() = default;

dict node::get_dict(const std::string& name) {
  return impl_->get_dict(name, false);
}

dict node::get_system_dict(const std::string& name) {
  return impl_->get_dict(name, true);
}

std::vector<std::string> node::dicts() const {
  return impl_->dicts();
}

const node_options& node::options() const noexcept {
  return impl_->options();
}

caf::actor_system& node::system() noexcept {
  return impl_->system();
}

} // namespace mn
