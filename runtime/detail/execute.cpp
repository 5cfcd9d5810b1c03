#include "runtime/detail/execute.hpp"

#include "actors/completion.hpp"
#include "actors/dict_protocol.hpp"
#include "runtime/wire/client.hpp"

#include <caf/all.hpp>

namespace mn::detail {

using namespace mn::actors;
using storage::op_kind;

namespace {

void via_actor(const dict_handle& h, storage::op& x) {
  auto flag = [&](bool b) { x.found = b; };
  switch (x.kind) {
    case op_kind::get:
      x.result = h.try_call(
        [&](bool f, std::string& bytes) {
          x.found = f;
          x.out = std::move(bytes);
        },
        dget_atom::value, x.key);
      return;
    case op_kind::contains:
      x.result = h.try_call(flag, dhas_atom::value, x.key);
      return;
    case op_kind::size:
      x.result = h.try_call([&](uint64_t n) { x.count = n; }, dsize_atom::value);
      return;
    case op_kind::keys:
      x.result = h.try_call([&](std::vector<std::string>& ks) { x.keys = std::move(ks); },
                            dkeys_atom::value, x.key, x.count);
      return;
    case op_kind::set:
      x.result = h.try_call([](bool) {}, dset_atom::value, x.key, x.a);
      return;
    case op_kind::erase:
      x.result = h.try_call(flag, ddel_atom::value, x.key);
      return;
    case op_kind::increment:
      x.result = h.try_call([&](std::string& bytes) { x.out = std::move(bytes); },
                            dincr_atom::value, x.key, x.a, x.b);
      return;
    case op_kind::cas:
      x.result = h.try_call(flag, dcas_atom::value, x.key, x.a, x.b);
      return;
    case op_kind::set_if_absent:
      x.result = h.try_call(flag, dsetnx_atom::value, x.key, x.a);
      return;
    case op_kind::set_many: {
      std::vector<std::string> keys;
      std::vector<std::string> values;
      for (auto& [k, v] : x.items) {
        keys.push_back(k);
        values.push_back(v);
      }
      x.result = h.try_call([&](uint64_t n) { x.count = n; }, dsetmany_atom::value,
                            std::move(keys), std::move(values));
      return;
    }
  }
}

// A local write: straight into the dict actor's batch, then wait for the
// commit (see actors/completion.hpp).
void via_completion(const dict_handle& h, storage::op& x) {
  auto c = std::make_shared<completion>();
  c->x = std::move(x);
  auto deadline = std::chrono::steady_clock::now() + h.node()->timeout;
  caf::anon_send(h.actor(), dlocal_atom::value, c);
  if (!c->wait_until(deadline)) {
    x.result = {errc::timeout, h.label() + " did not commit within the request timeout; its "
                                           "disk may be slow or full (the operation may still be "
                                           "applied): retry, or raise request_timeout"};
    return;
  }
  x = std::move(c->x);
}

} // namespace

void execute(const dict_handle& h, storage::op& x) {
  if (auto* store = h.local()) {
    if (!storage::is_write(x.kind)) {
      store->read(x);
      return;
    }
    via_completion(h, x);
    return;
  } else if (auto* fast = h.fast_path(); fast != nullptr && fast->ready()
                                          && x.kind != op_kind::set_many) {
    if (auto st = fast->call(h.name(), x); !st)
      x.result = st;
    return;
  }
  via_actor(h, x);
}

} // namespace mn::detail
