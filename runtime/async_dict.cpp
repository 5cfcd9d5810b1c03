#include <mn/async_dict.hpp>

#include "actors/dict_protocol.hpp"
#include "runtime/detail/dict_handle.hpp"
#include "storage/codec.hpp"
#include "storage/limits.hpp"

#include <caf/all.hpp>

namespace mn {

using namespace mn::actors;

namespace {

failure to_failure(const storage::status& st) {
  return failure{st.code(), st.message()};
}

// Sends xs... to the dict's actor; on an answer, `on_reply`; on error, `err`.
// Input errors found before sending are reported through `err` right away.
template <class F, class... Ts>
void send(caf::event_based_actor* self, const dict& d, const async_dict::on_error& err,
          F on_reply, Ts&&... xs) {
  auto& h = d.handle();
  if (!h) {
    err(failure{errc::unavailable, "empty dict handle: get one from node::get_dict()"});
    return;
  }
  if (h->node()->stopped || !h->actor()) {
    err(failure{errc::unavailable, "dict '" + h->name() + "': its node has stopped"});
    return;
  }
  auto label = h->label();
  self->request(h->actor(), h->node()->timeout, std::forward<Ts>(xs)...)
    .then(std::move(on_reply), [err, label](caf::error& e) {
      err(to_failure(to_status(e, label)));
    });
}

bool encode_or_fail(const value& v, std::string& out, const async_dict::on_error& err) {
  if (auto st = storage::encode(v, out); !st) {
    err(to_failure(st));
    return false;
  }
  return true;
}

bool key_ok(const std::string& key, const async_dict::on_error& err) {
  if (auto st = storage::check_key(key); !st) {
    err(to_failure(st));
    return false;
  }
  return true;
}

// Decodes a value answered by the dict actor and hands it to `done`.
void deliver_value(const std::string& bytes, const async_dict::on_value<value>& done,
                   const async_dict::on_error& err) {
  value v;
  if (auto st = storage::decode(bytes, v); !st)
    err(to_failure(st));
  else
    done(std::move(v));
}

} // namespace

async_dict::async_dict(caf::event_based_actor* self, dict d) : self_(self), d_(std::move(d)) {
  // nop
}

void async_dict::set(std::string key, const value& v, std::function<void()> done, on_error err) {
  std::string bytes;
  if (!key_ok(key, err) || !encode_or_fail(v, bytes, err))
    return;
  send(self_, d_, err, [done](bool) { done(); }, dset_atom::value, std::move(key),
       std::move(bytes));
}

void async_dict::get(std::string key, on_value<std::optional<value>> done, on_error err) {
  if (!key_ok(key, err))
    return;
  send(self_, d_, err,
       [done, err](bool found, std::string& bytes) {
         if (!found)
           return done(std::nullopt);
         deliver_value(bytes, [&](value v) { done(std::move(v)); }, err);
       },
       dget_atom::value, std::move(key));
}

void async_dict::at(std::string key, on_value<value> done, on_error err) {
  if (!key_ok(key, err))
    return;
  auto name = d_.name();
  send(self_, d_, err,
       [done, err, key, name](bool found, std::string& bytes) {
         if (!found)
           return err(failure{errc::key_missing, "key '" + key.substr(0, 100)
                                                   + "' is not in dict '" + name
                                                   + "'; use get() to test for it first"});
         deliver_value(bytes, done, err);
       },
       dget_atom::value, key);
}

void async_dict::erase(std::string key, on_value<bool> done, on_error err) {
  if (!key_ok(key, err))
    return;
  send(self_, d_, err, [done](bool b) { done(b); }, ddel_atom::value, std::move(key));
}

void async_dict::contains(std::string key, on_value<bool> done, on_error err) {
  if (!key_ok(key, err))
    return;
  send(self_, d_, err, [done](bool b) { done(b); }, dhas_atom::value, std::move(key));
}

void async_dict::size(on_value<std::size_t> done, on_error err) {
  send(self_, d_, err, [done](uint64_t n) { done(static_cast<std::size_t>(n)); },
       dsize_atom::value);
}

void async_dict::keys_page(std::string after, std::size_t limit,
                           on_value<std::vector<std::string>> done, on_error err) {
  send(self_, d_, err, [done](std::vector<std::string>& ks) { done(std::move(ks)); },
       dkeys_atom::value, std::move(after), static_cast<uint64_t>(limit));
}

void async_dict::increment(std::string key, const value& delta, on_value<value> done,
                           on_error err) {
  std::string d;
  if (!key_ok(key, err) || !encode_or_fail(delta, d, err))
    return;
  send(self_, d_, err, [done, err](std::string& bytes) { deliver_value(bytes, done, err); },
       dincr_atom::value, std::move(key), std::move(d), std::string{});
}

void async_dict::increment(std::string key, const value& delta, const value& initial,
                           on_value<value> done, on_error err) {
  std::string d;
  std::string i;
  if (!key_ok(key, err) || !encode_or_fail(delta, d, err) || !encode_or_fail(initial, i, err))
    return;
  send(self_, d_, err, [done, err](std::string& bytes) { deliver_value(bytes, done, err); },
       dincr_atom::value, std::move(key), std::move(d), std::move(i));
}

void async_dict::update(std::string key, const value& new_value,
                        const value& expected_current_value, on_value<bool> done, on_error err) {
  std::string n;
  std::string e;
  if (!key_ok(key, err) || !encode_or_fail(new_value, n, err)
      || !encode_or_fail(expected_current_value, e, err))
    return;
  send(self_, d_, err, [done](bool b) { done(b); }, dcas_atom::value, std::move(key),
       std::move(n), std::move(e));
}

void async_dict::set_if_absent(std::string key, const value& v, on_value<bool> done,
                               on_error err) {
  std::string bytes;
  if (!key_ok(key, err) || !encode_or_fail(v, bytes, err))
    return;
  send(self_, d_, err, [done](bool b) { done(b); }, dsetnx_atom::value, std::move(key),
       std::move(bytes));
}

} // namespace mn
