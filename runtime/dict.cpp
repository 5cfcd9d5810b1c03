#include <mn/dict.hpp>

#include "runtime/detail/dict_handle.hpp"
#include "runtime/detail/execute.hpp"
#include "runtime/detail/values.hpp"
#include "storage/codec.hpp"
#include "storage/limits.hpp"

#include <exception>
#include <limits>

namespace mn {

using detail::dict_handle;
using detail::decoded;
using detail::encoded;
using detail::raise;
using storage::make_op;
using storage::op;
using storage::op_kind;

namespace {

const dict_handle& checked(const std::shared_ptr<dict_handle>& h) {
  if (!h)
    throw unavailable(errc::unavailable, "empty dict handle: get one from node::get_dict()");
  return *h;
}

const std::string& checked_key(const std::string& key) {
  raise(storage::check_key(key));
  return key;
}

// Times one call of the blocking API for GET /metrics (actors/dict_metrics.hpp):
// a clock read at each end and one histogram update. A call that leaves with an
// exception counts as an error. Every call a process makes is counted by it,
// whether it owns the dict or not (the owner counts fast-path requests too).
class meter {
public:
  meter(const std::shared_ptr<dict_handle>& h, op_kind kind) noexcept
    : m_(h ? h->metrics() : nullptr), kind_(kind), uncaught_(std::uncaught_exceptions()) {
    if (m_ != nullptr)
      start_ = actors::op_clock::now();
  }
  ~meter() {
    if (m_ != nullptr)
      m_->record_since(kind_, start_, std::uncaught_exceptions() > uncaught_);
  }
  meter(const meter&) = delete;
  meter& operator=(const meter&) = delete;

private:
  actors::dict_metrics* m_;
  op_kind kind_;
  int uncaught_;
  actors::op_clock::time_point start_ = 0;
};

// Runs `x` by the shortest path (see execute.hpp); throws its error.
op& run(const std::shared_ptr<dict_handle>& hp, op& x) {
  auto& h = checked(hp);
  auto guard = h.enter();
  detail::execute(h, x);
  raise(x.result);
  return x;
}

} // namespace

const std::string& dict::name() const {
  return checked(h_).name();
}

void dict::set(const std::string& key, const value& v) {
  meter m{h_, op_kind::set};
  auto x = make_op(op_kind::set, checked_key(key), encoded(v));
  run(h_, x);
}

value dict::at(const std::string& key) const {
  auto v = get(key);
  if (!v)
    throw key_error(errc::key_missing,
                    "key '" + key.substr(0, 100) + "' is not in dict '" + h_->name()
                      + "'; use get() or contains() to test for it first");
  return std::move(*v);
}

std::optional<value> dict::get(const std::string& key) const {
  meter m{h_, op_kind::get};
  auto& h = checked(h_);
  checked_key(key);
  auto guard = h.enter();
  if (auto* store = h.local()) { // the hot path: decode straight from the snapshot
    value v;
    bool found = false;
    raise(store->get(key, v, found));
    return found ? std::optional<value>{std::move(v)} : std::nullopt;
  }
  auto x = make_op(op_kind::get, key);
  detail::execute(h, x);
  raise(x.result);
  return x.found ? std::optional<value>{decoded(x.out)} : std::nullopt;
}

value dict::get(const std::string& key, const value& fallback) const {
  auto v = get(key);
  return v ? std::move(*v) : fallback;
}

bool dict::erase(const std::string& key) {
  meter m{h_, op_kind::erase};
  auto x = make_op(op_kind::erase, checked_key(key));
  return run(h_, x).found;
}

bool dict::contains(const std::string& key) const {
  meter m{h_, op_kind::contains};
  auto x = make_op(op_kind::contains, checked_key(key));
  return run(h_, x).found;
}

std::size_t dict::size() const {
  meter m{h_, op_kind::size};
  auto x = make_op(op_kind::size);
  return static_cast<std::size_t>(run(h_, x).count);
}

std::vector<std::string> dict::keys_page(const std::string& after, std::size_t limit) const {
  meter m{h_, op_kind::keys};
  auto x = make_op(op_kind::keys, after);
  x.count = limit;
  return std::move(run(h_, x).keys);
}

key_range dict::keys() const {
  checked(h_);
  return key_range{h_};
}

value dict::increment(const std::string& key, const value& delta) {
  meter m{h_, op_kind::increment};
  auto x = make_op(op_kind::increment, checked_key(key), encoded(delta));
  return decoded(run(h_, x).out);
}

value dict::increment(const std::string& key, const value& delta, const value& initial) {
  meter m{h_, op_kind::increment};
  auto x = make_op(op_kind::increment, checked_key(key), encoded(delta), encoded(initial));
  return decoded(run(h_, x).out);
}

bool dict::update(const std::string& key, const value& new_value,
                  const value& expected_current_value) {
  meter m{h_, op_kind::cas};
  auto x = make_op(op_kind::cas, checked_key(key), encoded(new_value),
                   encoded(expected_current_value));
  return run(h_, x).found;
}

bool dict::set_if_absent(const std::string& key, const value& v) {
  meter m{h_, op_kind::set_if_absent};
  auto x = make_op(op_kind::set_if_absent, checked_key(key), encoded(v));
  return run(h_, x).found;
}

std::size_t dict::set_many(const std::vector<std::pair<std::string, value>>& items) {
  meter m{h_, op_kind::set_many};
  auto x = make_op(op_kind::set_many);
  x.items.reserve(items.size());
  for (auto& [k, v] : items)
    x.items.emplace_back(checked_key(k), encoded(v));
  return static_cast<std::size_t>(run(h_, x).count);
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
