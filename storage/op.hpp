#pragma once
// storage::op: one dict operation with its inputs and, once applied, its result.
// The dict actor collects the ops waiting in its mailbox into a batch and
// applies the batch in one write transaction (group commit): see dict_store.
//
//   kind           key    a            b                 result fields
//   get            key    -            -                 found, out (encoded value)
//   contains       key    -            -                 found
//   size           -      -            -                 count
//   keys           after  -            -                 keys (count = limit in)
//   set            key    value        -                 -
//   erase          key    -            -                 found (it existed)
//   increment      key    delta        initial or ""     out (new value)
//   cas            key    new value    expected value    found (applied)
//   set_if_absent  key    value        -                 found (applied)
//   set_many       -      -            -                 count (items in)
// Values (a, b, out) are encoded with storage::encode (MessagePack).
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mn::storage {

enum class op_kind : uint8_t {
  get, contains, size, keys, set, erase, increment, cas, set_if_absent, set_many,
};

/// true for the kinds that change the dict.
constexpr bool is_write(op_kind k) noexcept { return k >= op_kind::set; }

struct op {
  op_kind kind = op_kind::get;
  std::string key;
  std::string a;
  std::string b;
  std::vector<std::pair<std::string, std::string>> items; // set_many
  // -- results --
  status result;
  bool found = false;
  std::string out;
  uint64_t count = 0;
  std::vector<std::string> keys;
};

/// An op of `kind` with its inputs (see the table above).
inline op make_op(op_kind kind, std::string key = {}, std::string a = {}, std::string b = {}) {
  op x;
  x.kind = kind;
  x.key = std::move(key);
  x.a = std::move(a);
  x.b = std::move(b);
  return x;
}

} // namespace mn::storage
