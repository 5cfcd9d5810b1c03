#include "actors/node_actor.hpp"

#include "actors/caf_errors.hpp"
#include "actors/function_protocol.hpp"
#include "actors/node_protocol.hpp"

#include <caf/all.hpp>

namespace mn::actors {

namespace {

caf::behavior node_actor(caf::event_based_actor* self, node_actor_config cfg) {
  return {
    [cfg](nhello_atom, const std::string& fingerprint,
          const std::string& from) -> caf::result<std::string, uint16_t> {
      if (fingerprint != cfg.fingerprint)
        return make_error(errc::bad_config,
                          "cluster membership differs between '" + from + "' and node '"
                            + cfg.name + "': " + cfg.diff(cfg.fingerprint, fingerprint)
                            + "; give every node the same --peer list");
      return {cfg.name, cfg.fast_port};
    },
    [cfg](nopen_atom, const std::string& dict) -> caf::result<caf::actor> {
      caf::actor out;
      if (auto st = cfg.open(dict, out); !st)
        return make_error(st);
      return out;
    },
    [cfg](nmembers_atom) { return cfg.fingerprint; },
    [cfg](ndicts_atom) -> caf::result<std::vector<std::string>> {
      std::vector<std::string> out;
      if (auto st = cfg.list(out); !st)
        return make_error(st);
      return out;
    },
    [=](fcall_atom a, std::string& name, std::string& arg) {
      return self->delegate(cfg.runner, a, std::move(name), std::move(arg));
    },
    [=](fcallmany_atom a, std::string& name, std::vector<std::string>& args) {
      return self->delegate(cfg.runner, a, std::move(name), std::move(args));
    },
    [=](flist_atom a) { return self->delegate(cfg.runner, a); },
  };
}

} // namespace

caf::actor spawn_node_actor(caf::actor_system& sys, node_actor_config cfg) {
  return sys.spawn(node_actor, std::move(cfg));
}

} // namespace mn::actors
