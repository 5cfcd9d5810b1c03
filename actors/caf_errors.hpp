#pragma once
// The bridge between mn::errc and caf::error. Our errors travel inside
// caf::error values (category "mn", the code, and the message as context), so
// they cross actor and node boundaries unchanged; CAF's own errors (timeouts,
// dead receivers) are translated here and nowhere else.
#include "storage/status.hpp"

#include <caf/error.hpp>

#include <string>

namespace mn::actors {

/// A caf::error in category "mn" carrying `code` and `message`.
caf::error make_error(errc code, std::string message);
inline caf::error make_error(const storage::status& st) { return make_error(st.code(), st.message()); }

/// The errc and message behind any caf::error, ours or CAF's. `target` names
/// what was called (e.g. "dict 'x'") for the messages of CAF's errors.
storage::status to_status(const caf::error& err, const std::string& target);

} // namespace mn::actors
