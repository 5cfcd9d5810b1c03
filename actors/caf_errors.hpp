#pragma once
// The bridge between mn::errc and caf::error. Our errors travel inside
// caf::error values (category "mn", the code, and the message as context), so
// they cross actor and node boundaries unchanged; CAF's own errors (timeouts,
// dead receivers) are translated here and nowhere else.
#include "storage/status.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <string>

namespace mn::actors {

/// A caf::error in category "mn" carrying `code` and `message`.
caf::error make_error(errc code, std::string message);
inline caf::error make_error(const storage::status& st) { return make_error(st.code(), st.message()); }

/// The errc and message behind any caf::error, ours or CAF's. `target` names
/// what was called (e.g. "dict 'x'") for the messages of CAF's errors.
storage::status to_status(const caf::error& err, const std::string& target);

/// Whether a connection attempt that failed with `err` (the `attempt`-th,
/// from 0) is worth another within the connect timeout that ends at
/// `deadline`. CAF 0.17.6's heartbeat check closes a connection whose
/// handshake is still running (connection_timeout): seen in about 1 in 25
/// first connections under TLS with 200 ms heartbeats, and 1 in 7 first calls
/// without TLS under ASan, where handshakes are slow. 3 attempts at most; a
/// frozen peer fails the same way, still within the connect timeout.
bool worth_another_connect(const caf::error& err, int attempt,
                           std::chrono::steady_clock::time_point deadline);

} // namespace mn::actors
