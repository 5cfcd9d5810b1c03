#pragma once
// mn::dict: a handle to a named, durable dict, with the seed's Python dict API.
// Blocking: every call returns once its effect is durable (writes) or known
// (reads). Use it from plain C++ threads; inside event-based actors use
// mn::async_dict (<mn/async_dict.hpp>) instead, which never blocks.
//
// Handles are cheap to copy and thread-safe. The handle talks to the dict's
// actor wherever it runs; where the dict is local, reads go straight to LMDB
// (a lock-free snapshot that always includes every acknowledged write).
#include <mn/error.hpp>
#include <mn/value.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mn {

namespace detail {
class dict_handle;
} // namespace detail

class dict;

/// The keys of a dict, ascending by bytes, fetched lazily in pages (see
/// node_options::keys_page_size), so iterating a huge dict holds one page in
/// memory. Each page is a fresh snapshot: keys added or removed during the
/// iteration may or may not show, but no key is seen twice and the order holds.
class key_range {
public:
  class iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    iterator() = default;
    reference operator*() const { return page_[pos_]; }
    pointer operator->() const { return &page_[pos_]; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.done() == b.done(); }
    friend bool operator!=(const iterator& a, const iterator& b) { return !(a == b); }

  private:
    friend class key_range;
    bool done() const { return h_ == nullptr; }
    void fetch(const std::string& after);
    std::shared_ptr<detail::dict_handle> h_;
    std::vector<std::string> page_;
    std::size_t pos_ = 0;
  };

  iterator begin() const;
  iterator end() const { return {}; }

private:
  friend class dict;
  explicit key_range(std::shared_ptr<detail::dict_handle> h) : h_(std::move(h)) {}
  std::shared_ptr<detail::dict_handle> h_;
};

class dict {
public:
  /// `d["k"]`: reads with at() when converted to a value, writes with `=`,
  /// increments atomically with `+=`.
  class item {
  public:
    operator value() const { return d_.at(key_); }
    item& operator=(const value& v) {
      d_.set(key_, v);
      return *this;
    }
    /// Atomic increment; returns the new value. Errors as dict::increment.
    value operator+=(const value& delta) { return d_.increment(key_, delta); }
    value operator-=(const value& delta);

  private:
    friend class dict;
    item(dict& d, std::string key) : d_(d), key_(std::move(key)) {}
    dict& d_;
    std::string key_;
  };

  /// An empty handle; every call on it throws mn::unavailable.
  dict() = default;

  const std::string& name() const;

  /// Stores `v` under `key`; returns once durable.
  /// Errors: invalid_argument (empty key, key_too_long over 511 bytes,
  /// value_too_large over 16 MiB encoded); storage_error; unavailable; timeout.
  void set(const std::string& key, const value& v);

  /// The value of `key`. Errors: key_error when absent; as set() otherwise.
  value at(const std::string& key) const;
  /// The value of `key`, or std::nullopt when absent (Python's d.get(k)).
  std::optional<value> get(const std::string& key) const;
  /// The value of `key`, or `fallback` when absent (Python's d.get(k, default)).
  value get(const std::string& key, const value& fallback) const;

  /// Deletes `key`; true when it was there (Python's del, without the KeyError).
  bool erase(const std::string& key);
  /// true when `key` is present (Python's `key in d`).
  bool contains(const std::string& key) const;
  /// Number of keys.
  std::size_t size() const;
  /// All keys, ascending by bytes, streamed in pages.
  key_range keys() const;
  /// Up to `limit` keys after `after` ("" = from the first), ascending.
  std::vector<std::string> keys_page(const std::string& after, std::size_t limit) const;

  /// Atomically adds `delta` to the number under `key`; returns the new value.
  /// Integers stay integers (64-bit, overflow is an error), floats make floats.
  /// Errors: key_error when absent; type_error (type_mismatch) when the value or
  /// delta is not a number; type_error (overflow). Nothing changes on error.
  value increment(const std::string& key, const value& delta = 1);
  /// Same, but a missing key starts from `initial`.
  value increment(const std::string& key, const value& delta, const value& initial);

  /// Compare-and-set: stores `new_value` only if the current value equals
  /// `expected_current_value` (deep equality; 1 == 1.0). false, with nothing
  /// changed, when it differs or the key is absent.
  bool update(const std::string& key, const value& new_value,
              const value& expected_current_value);

  /// Stores `v` only if `key` is absent; true when it did.
  bool set_if_absent(const std::string& key, const value& v);

  /// Stores every item in one atomic, durable commit (all or none).
  /// Errors: as set(), naming the first bad item; nothing is written then.
  std::size_t set_many(const std::vector<std::pair<std::string, value>>& items);

  /// `d["k"]`.
  item operator[](std::string key) { return item{*this, std::move(key)}; }

  /// Internal: the location-transparent handle behind this dict.
  const std::shared_ptr<detail::dict_handle>& handle() const noexcept { return h_; }
  explicit dict(std::shared_ptr<detail::dict_handle> h) : h_(std::move(h)) {}

private:
  std::shared_ptr<detail::dict_handle> h_;
};

} // namespace mn
