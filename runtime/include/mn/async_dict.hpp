#pragma once
// mn::async_dict: the dict API for code running inside an event-based CAF actor,
// where a blocking call would stall one of the scheduler's few threads. Every
// operation sends a request to the dict's actor and returns at once; its answer
// arrives later as a callback on the calling actor (never concurrently with the
// actor's other handlers), or the error callback gets an mn::failure.
//
// Which API where:
//   plain C++ threads, main(), tests ............ mn::dict (blocking)
//   inside caf::event_based_actor handlers ....... mn::async_dict (this header)
//
//   caf::behavior counter(caf::event_based_actor* self, mn::dict d) {
//     mn::async_dict ad{self, d};
//     return {[=](caf::tick_atom) mutable {
//       ad.increment("ticks", 1, [](const mn::value& now) { /* ... */ },
//                    [](const mn::failure& f) { /* f.code, f.message */ });
//     }};
//   }
//
// Requests from one actor to one dict take effect in the order they were sent,
// even without waiting for each answer. Callbacks must not block.
#include <mn/dict.hpp>
#include <mn/error.hpp>
#include <mn/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace caf {
class event_based_actor;
} // namespace caf

namespace mn {

class async_dict {
public:
  template <class T>
  using on_value = std::function<void(T)>;
  using on_error = std::function<void(const failure&)>;

  /// REQUIRES: `self` outlives every request made through this object and is the
  /// actor whose handler calls it. The request timeout is the node's.
  async_dict(caf::event_based_actor* self, dict d);

  void set(std::string key, const value& v, std::function<void()> done, on_error err);
  /// Answers std::nullopt when the key is absent.
  void get(std::string key, on_value<std::optional<value>> done, on_error err);
  /// Like get, but an absent key is an error (key_missing), like dict::at.
  void at(std::string key, on_value<value> done, on_error err);
  void erase(std::string key, on_value<bool> done, on_error err);
  void contains(std::string key, on_value<bool> done, on_error err);
  void size(on_value<std::size_t> done, on_error err);
  void keys_page(std::string after, std::size_t limit, on_value<std::vector<std::string>> done,
                 on_error err);
  void increment(std::string key, const value& delta, on_value<value> done, on_error err);
  void increment(std::string key, const value& delta, const value& initial,
                 on_value<value> done, on_error err);
  void update(std::string key, const value& new_value, const value& expected_current_value,
              on_value<bool> done, on_error err);
  void set_if_absent(std::string key, const value& v, on_value<bool> done, on_error err);

  const dict& target() const noexcept { return d_; }

private:
  caf::event_based_actor* self_;
  dict d_;
};

} // namespace mn
