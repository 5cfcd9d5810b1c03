#include "storage/arith.hpp"

#include <cstdint>
#include <limits>

namespace mn::storage {

namespace {

const char* kind_name(const value& v) {
  switch (v.type()) {
    case value::value_t::null: return "null";
    case value::value_t::boolean: return "bool";
    case value::value_t::string: return "string";
    case value::value_t::array: return "list";
    case value::value_t::object: return "map";
    case value::value_t::binary: return "bytes";
    case value::value_t::number_float: return "float";
    default: return "integer";
  }
}

// Reads an integer as int64. number_unsigned above INT64_MAX does not fit.
bool as_int64(const value& v, int64_t& out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  out = v.get<int64_t>();
  return true;
}

} // namespace

status add(const value& current, const value& delta, value& out) {
  if (!current.is_number())
    return {errc::type_mismatch,
            std::string{"cannot increment a "} + kind_name(current)
              + " value: increment works on integers and floats only; use set() or update() "
                "to replace it"};
  if (!delta.is_number())
    return {errc::type_mismatch, std::string{"the increment must be an integer or a float, not a "}
                                   + kind_name(delta)};
  if (current.is_number_float() || delta.is_number_float()) {
    out = current.get<double>() + delta.get<double>();
    return status::ok();
  }
  int64_t a = 0;
  int64_t b = 0;
  int64_t sum = 0;
  if (!as_int64(current, a) || !as_int64(delta, b) || __builtin_add_overflow(a, b, &sum))
    return {errc::overflow, "integer overflow: " + current.dump() + " + " + delta.dump()
                              + " is outside the 64-bit signed range; nothing changed"};
  out = sum;
  return status::ok();
}

} // namespace mn::storage
