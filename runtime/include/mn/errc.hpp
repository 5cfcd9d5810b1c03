#pragma once
// The project's error vocabulary. This header depends on nothing, so that every
// layer (storage/, actors/, runtime/) speaks of failures with the same codes and
// the codes travel unchanged inside CAF errors between nodes.
#include <cstdint>
#include <iosfwd>

namespace mn {

/// Stable error codes. `to_string(errc)` gives each a stable name; the numbers
/// travel between nodes and never change meaning.
enum class errc : uint8_t {
  none = 0,
  key_missing = 1,   ///< the key is absent (mn::key_error)
  type_mismatch,     ///< wrong type for the operation (mn::type_error)
  overflow,          ///< integer result outside 64-bit signed range (mn::type_error)
  invalid_argument,  ///< malformed input (mn::invalid_argument)
  key_too_long,      ///< key over 511 bytes, LMDB's limit (mn::invalid_argument)
  value_too_large,   ///< encoded value over max_value_bytes (mn::invalid_argument)
  invalid_name,      ///< dict name breaks the naming rules (mn::invalid_argument)
  bad_config,        ///< node options or data directory unusable (mn::invalid_argument)
  storage_failure,   ///< LMDB or the file system failed (mn::storage_error)
  corrupted,         ///< a data file is not valid LMDB (mn::storage_error)
  unavailable,       ///< the dict's owner cannot be reached or is stopped (mn::unavailable)
  timeout,           ///< no answer within the request timeout (mn::timeout)
  function_failed,   ///< a function threw (mn::function_error)
  unknown_function,  ///< no node has registered the function (mn::unknown_function)
  job_not_found,     ///< no job has that id (mn::job_not_found)
};

/// The stable name of `x`, e.g. "key_missing".
const char* to_string(errc x) noexcept;

/// Prints to_string(x).
std::ostream& operator<<(std::ostream& out, errc x);

} // namespace mn
