#include <mn/dict.hpp>

#include "actors/dict_protocol.hpp"
#include "runtime/detail/dict_handle.hpp"
#include "storage/codec.hpp"
#include "storage/limits.hpp"

#include <caf/all.hpp>

#include <limits>

namespace mn {

using namespace mn::actors;
using detail::dict_handle;
using detail::raise;

namespace {

const dict_handle& checked(const std::shared_ptr<dict_handle>& h) {
  if (!h)
    throw unavailable(errc::unavailable, "empty dict handle: get one from node::get_dict()");
  return *h;
}

std::string encoded(const value& v) {
  std::string out;
  raise(storage::encode(v, out));
  return out;
}

value decoded(const std::string& bytes) {
  value v;
  raise(storage::decode(bytes, v));
  return v;
}

void check_key(const std::string& key) {
  raise(storage::check_key(key));
}

// Reads `key`: straight from LMDB where the dict is local, else via its actor.
std::optional<value> read_value(const dict_handle& h, const std::string& key) {
  check_key(key);
  auto guard = h.enter();
  if (auto* store = h.local()) {
    value v;
    bool found = false;
    raise(store->get(key, v, found));
    return found ? std::optional<value>{std::move(v)} : std::nullopt;
  }
  std::optional<value> out;
  h.call(
    [&](bool found, std::string& bytes) {
      if (found)
        out = decoded(bytes);
    },
    dget_atom::value, key);
  return out;
}

} // namespace

const std::string& dict::name() const {
  return checked(h_).name();
}

void dict::set(const std::string& key, const value& v) {
  auto& h = checked(h_);
  check_key(key);
  auto bytes = encoded(v);
  auto guard = h.enter();
  h.call([](bool) {}, dset_atom::value, key, std::move(bytes));
}

value dict::at(const std::string& key) const {
  auto v = read_value(checked(h_), key);
  if (!v)
    throw key_error(errc::key_missing,
                    "key '" + key.substr(0, 100) + "' is not in dict '" + h_->name()
                      + "'; use get() or contains() to test for it first");
  return std::move(*v);
}

std::optional<value> dict::get(const std::string& key) const {
  return read_value(checked(h_), key);
}

value dict::get(const std::string& key, const value& fallback) const {
  auto v = get(key);
  return v ? std::move(*v) : fallback;
}

bool dict::erase(const std::string& key) {
  auto& h = checked(h_);
  check_key(key);
  auto guard = h.enter();
  bool existed = false;
  h.call([&](bool b) { existed = b; }, ddel_atom::value, key);
  return existed;
}

bool dict::contains(const std::string& key) const {
  auto& h = checked(h_);
  check_key(key);
  auto guard = h.enter();
  bool found = false;
  if (auto* store = h.local())
    raise(store->contains(key, found));
  else
    h.call([&](bool b) { found = b; }, dhas_atom::value, key);
  return found;
}

std::size_t dict::size() const {
  auto& h = checked(h_);
  auto guard = h.enter();
  uint64_t n = 0;
  if (auto* store = h.local())
    raise(store->size(n));
  else
    h.call([&](uint64_t x) { n = x; }, dsize_atom::value);
  return static_cast<std::size_t>(n);
}

std::vector<std::string> dict::keys_page(const std::string& after, std::size_t limit) const {
  auto& h = checked(h_);
  auto guard = h.enter();
  std::vector<std::string> out;
  if (auto* store = h.local())
    raise(store->keys_after(after, limit, out));
  else
    h.call([&](std::vector<std::string>& ks) { out = std::move(ks); }, dkeys_atom::value, after,
           static_cast<uint64_t>(limit));
  return out;
}

key_range dict::keys() const {
  checked(h_);
  return key_range{h_};
}

value dict::increment(const std::string& key, const value& delta) {
  auto& h = checked(h_);
  check_key(key);
  auto d = encoded(delta);
  auto guard = h.enter();
  std::string out;
  h.call([&](std::string& b) { out = std::move(b); }, dincr_atom::value, key, std::move(d),
         std::string{});
  return decoded(out);
}

value dict::increment(const std::string& key, const value& delta, const value& initial) {
  auto& h = checked(h_);
  check_key(key);
  auto d = encoded(delta);
  auto i = encoded(initial);
  auto guard = h.enter();
  std::string out;
  h.call([&](std::string& b) { out = std::move(b); }, dincr_atom::value, key, std::move(d),
         std::move(i));
  return decoded(out);
}

bool dict::update(const std::string& key, const value& new_value,
                  const value& expected_current_value) {
  auto& h = checked(h_);
  check_key(key);
  auto n = encoded(new_value);
  auto e = encoded(expected_current_value);
  auto guard = h.enter();
  bool applied = false;
  h.call([&](bool b) { applied = b; }, dcas_atom::value, key, std::move(n), std::move(e));
  return applied;
}

bool dict::set_if_absent(const std::string& key, const value& v) {
  auto& h = checked(h_);
  check_key(key);
  auto bytes = encoded(v);
  auto guard = h.enter();
  bool applied = false;
  h.call([&](bool b) { applied = b; }, dsetnx_atom::value, key, std::move(bytes));
  return applied;
}

std::size_t dict::set_many(const std::vector<std::pair<std::string, value>>& items) {
  auto& h = checked(h_);
  std::vector<std::string> keys;
  std::vector<std::string> values;
  keys.reserve(items.size());
  values.reserve(items.size());
  for (auto& [k, v] : items) {
    check_key(k);
    keys.push_back(k);
    values.push_back(encoded(v));
  }
  auto guard = h.enter();
  uint64_t n = 0;
  h.call([&](uint64_t x) { n = x; }, dsetmany_atom::value, std::move(keys), std::move(values));
  return static_cast<std::size_t>(n);
}

value dict::item::operator-=(const value& delta) {
  if (!delta.is_number())
    return d_.increment(key_, delta); // reports the type error
  if (delta.is_number_float())
    return d_.increment(key_, value(-delta.get<double>()));
  if (delta.is_number_unsigned() || delta.get<int64_t>() == std::numeric_limits<int64_t>::min())
    throw type_error(errc::overflow, "integer overflow: cannot negate " + delta.dump()
                                       + "; use increment() with a negative delta");
  value negated = -delta.get<int64_t>();
  return d_.increment(key_, negated);
}

// -- key_range ----------------------------------------------------------------

key_range::iterator key_range::begin() const {
  iterator i;
  i.h_ = h_;
  i.fetch({});
  return i;
}

void key_range::iterator::fetch(const std::string& after) {
  std::size_t limit = h_->node()->keys_page_size;
  page_ = dict{h_}.keys_page(after, limit);
  pos_ = 0;
  if (page_.empty())
    h_.reset();
}

key_range::iterator& key_range::iterator::operator++() {
  if (++pos_ < page_.size())
    return *this;
  if (page_.size() < h_->node()->keys_page_size) {
    h_.reset(); // a short page was the last one
    page_.clear();
    return *this;
  }
  std::string after = std::move(page_.back());
  fetch(after);
  return *this;
}

} // namespace mn
