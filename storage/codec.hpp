#pragma once
// Encoding of values on disk and on the wire: MessagePack, as produced by
// nlohmann::json::to_msgpack. It keeps the kinds apart (integer vs float vs
// bytes), is compact, and is a public format that other tools can read.
//
//   stored value := msgpack(value)          (at most max_value_bytes)
//   stored key   := the key's bytes as given (1..511 bytes; LMDB orders them
//                   by memcmp, which is the order keys() returns)
#include "storage/status.hpp"

#include <mn/value.hpp>

#include <string>
#include <string_view>

namespace mn::storage {

/// Encodes `v`. Errors: value_too_large when the encoding exceeds max_value_bytes;
/// invalid_argument when lists and maps nest deeper than max_value_depth.
status encode(const value& v, std::string& out);

/// Decodes bytes produced by encode(). Errors: invalid_argument when `bytes` is
/// not one complete MessagePack value (truncated, garbage, trailing bytes) or
/// nests deeper than max_value_depth.
status decode(std::string_view bytes, value& out);

/// ok() when `bytes` may be stored as a value: one complete MessagePack value
/// of at most max_value_bytes and max_value_depth; checked without building
/// the value. Errors: value_too_large; invalid_argument.
status validate(std::string_view bytes);

} // namespace mn::storage
