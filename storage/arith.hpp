#pragma once
// The arithmetic of increment, apart from storage so that it is testable alone.
#include "storage/status.hpp"

#include <mn/value.hpp>

namespace mn::storage {

/// out = current + delta, following Python: integer + integer stays an integer
/// (checked for 64-bit overflow), any float makes a float.
/// Errors: type_mismatch when either side is not a number (bool, string, list,
/// map, null, bytes); overflow when an integer result leaves int64 range.
status add(const value& current, const value& delta, value& out);

} // namespace mn::storage
