#pragma once
// Value encoding for the blocking API: storage::encode / decode, throwing the
// matching mn exception on failure.
#include "runtime/detail/dict_handle.hpp"
#include "storage/codec.hpp"

#include <string>

namespace mn::detail {

/// Errors: mn::invalid_argument (value_too_large).
inline std::string encoded(const value& v) {
  std::string out;
  raise(storage::encode(v, out));
  return out;
}

/// Errors: mn::invalid_argument (malformed bytes).
inline value decoded(const std::string& bytes) {
  value v;
  raise(storage::decode(bytes, v));
  return v;
}

} // namespace mn::detail
