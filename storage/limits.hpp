#pragma once
// Named limits of the storage layer, checked before anything reaches LMDB.
#include "storage/status.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace mn::storage {

/// LMDB's compiled-in key limit (mdb_env_get_maxkeysize() of Debian's liblmdb).
inline constexpr std::size_t max_key_bytes = 511;

/// Largest encoded value accepted. LMDB allows more, but a value this large
/// already costs a multi-megabyte copy on every read and every network hop.
inline constexpr std::size_t max_value_bytes = 16u << 20;

/// Deepest nesting of lists and maps in a value ([[1]] is 2 deep). Encoding,
/// decoding and printing a value recurse once per level, so a value nested
/// 100,000 deep would overflow a thread's stack; 512 is far beyond real data.
inline constexpr std::size_t max_value_depth = 512;

/// ok() when `key` may be stored; else key_too_long or invalid_argument.
inline status check_key(std::string_view key) {
  if (key.empty())
    return {errc::invalid_argument, "empty key: keys must be 1 to 511 bytes long"};
  if (key.size() > max_key_bytes)
    return {errc::key_too_long,
            "key of " + std::to_string(key.size()) + " bytes is longer than the "
              "511-byte limit of LMDB; shorten it, or store a hash of it as the key"};
  return status::ok();
}

} // namespace mn::storage
