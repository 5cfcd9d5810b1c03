#pragma once
// Helpers for the runtime's own records kept in system dicts (jobs,
// schedules): compare-and-set updates, patience while a dict's owner is out
// of reach for a moment, and walks over the keys that share a prefix.
#include "runtime/detail/dict_handle.hpp"

#include <mn/dict.hpp>
#include <mn/error.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace mn::detail {

/// Unix time in milliseconds.
inline int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Applies `change(value&)` to the value of `key` by compare-and-set until it
/// sticks; `change` returns false to leave it as it is. Returns the value as
/// written (or as found, when `change` declined), or nullopt when `key` is
/// absent. Errors: the dict's; unavailable when the value kept changing.
template <class F>
std::optional<value> change_value(dict& d, const std::string& key, F change) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto current = d.get(key);
    if (!current)
      return std::nullopt;
    value next = *current;
    if (!change(next))
      return current;
    if (d.update(key, next, *current))
      return next;
  }
  throw unavailable(errc::unavailable, "record '" + key + "' kept changing; retry");
}

/// Runs `f` again while the dict `d` is out of reach for a moment (its owner
/// busy or reconnecting), for up to `patience`, but not once this node stops.
/// A write whose answer was lost may have been applied: `f` must tell.
template <class F>
auto patiently(const dict& d, F f, std::chrono::milliseconds patience = std::chrono::seconds(30))
  -> decltype(f()) {
  using namespace std::chrono;
  auto deadline = steady_clock::now() + patience;
  for (auto pause = milliseconds(100);; pause = std::min(pause * 2, milliseconds(1000))) {
    try {
      return f();
    } catch (const unavailable&) {
      if (d.handle()->node()->stopped || steady_clock::now() + pause > deadline)
        throw;
    }
    std::this_thread::sleep_for(pause);
  }
}

/// Calls `f(key)` on the keys of `d` that start with `prefix`, in order, until
/// it returns false.
template <class F>
void each_key(const dict& d, const std::string& prefix, F f) {
  std::string after = prefix;
  for (;;) {
    auto page = d.keys_page(after, 500);
    for (auto& k : page) {
      if (k.compare(0, prefix.size(), prefix) != 0)
        return;
      if (!f(k))
        return;
    }
    if (page.size() < 500)
      return;
    after = page.back();
  }
}

} // namespace mn::detail
