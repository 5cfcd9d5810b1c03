#pragma once
// runtime::http_auth: the HTTP API's optional bearer token (--http-token-file,
// --http-token): reading it and checking a request's Authorization header
// against it in constant time. No httplib here (see http_server.cpp).
#include "storage/status.hpp"

#include <mn/node_options.hpp>

#include <string>

namespace mn::runtime {

/// Shortest token accepted.
inline constexpr std::size_t http_token_min_size = 16;

/// The token of `o`: the first line of o.http_token_file (surrounding
/// whitespace removed), or o.http_token; empty when neither is set.
/// Errors: bad_config (both set, file unreadable, token shorter than
/// http_token_min_size or with spaces or control characters).
storage::status http_token(const node_options& o, std::string& out);

/// true when `authorization` (the header's value) is "Bearer <token>" with
/// exactly `token` (scheme case-insensitive). Takes the same time whatever
/// the header holds (SHA-256 of both, compared with CRYPTO_memcmp).
bool bearer_matches(const std::string& authorization, const std::string& token);

} // namespace mn::runtime
