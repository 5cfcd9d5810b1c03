#pragma once
// The wire fast path's frames. A blocking call on a dict owned by another node
// goes over one plain TCP connection to the owner (two thread hand-offs per
// round trip, as for Redis) instead of CAF's BASP path (about eight). Actors
// keep using CAF messages; this path only serves blocking callers.
//
//   frame    := u32 length (of what follows, little-endian) body
//   request  := u8 kind, str dict, str key, str a, str b, u64 count, items
//   response := u8 errc, str message, u8 found, str out, u64 count, strs keys
//   hello    := request of kind 255: dict = fingerprint, key = caller's name;
//               the response's out is the node's name, errc bad_config when
//               the memberships differ
//   fcall    := request of kind 254: dict = function name, a = the argument's
//               bytes, count = the caller's time left in ms; the response's
//               out is the result's bytes
//   str      := u32 length, bytes;   strs := u32 n, str*n
//   items    := u32 n, (str key, str value)*n
#include "storage/op.hpp"

#include <cstdint>
#include <string>

namespace mn::wire {

/// The kind byte of the hello request.
inline constexpr uint8_t hello_kind = 255;

/// The kind byte of a function call.
inline constexpr uint8_t fcall_kind = 254;

/// Largest frame accepted: one value of the 16 MiB limit with its key and
/// headers. (set_many does not use this path.)
inline constexpr uint32_t max_frame = 17u << 20;

/// Appends the request encoding of `x` (kind, dict, inputs) to `out`.
void write_request(std::string& out, uint8_t kind, const std::string& dict,
                   const storage::op& x);
/// Appends the response encoding of `x` (result and outputs) to `out`.
void write_response(std::string& out, const storage::op& x);

/// Parses a request body. false when malformed.
bool read_request(const std::string& body, uint8_t& kind, std::string& dict, storage::op& x);
/// Parses a response body into x's results. false when malformed.
bool read_response(const std::string& body, storage::op& x);

} // namespace mn::wire
