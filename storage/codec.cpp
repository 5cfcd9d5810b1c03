#include "storage/codec.hpp"

#include "storage/limits.hpp"

namespace mn::storage {

status encode(const value& v, std::string& out) {
  out.clear();
  value::to_msgpack(v, nlohmann::detail::output_adapter<char>(out));
  if (out.size() > max_value_bytes)
    return {errc::value_too_large,
            "value of " + std::to_string(out.size()) + " encoded bytes exceeds the "
              + std::to_string(max_value_bytes) + "-byte limit; split it over several keys"};
  return status::ok();
}

status decode(std::string_view bytes, value& out) {
  // allow_exceptions=false: a malformed input yields a 'discarded' value.
  out = value::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (out.is_discarded())
    return {errc::invalid_argument,
            "malformed value: " + std::to_string(bytes.size())
              + " bytes are not one complete MessagePack value; encode values with "
                "mn::value (nlohmann::json::to_msgpack)"};
  return status::ok();
}

} // namespace mn::storage
