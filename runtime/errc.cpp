#include <mn/errc.hpp>

#include <ostream>

namespace mn {

const char* to_string(errc x) noexcept {
  switch (x) {
    case errc::none: return "none";
    case errc::key_missing: return "key_missing";
    case errc::type_mismatch: return "type_mismatch";
    case errc::overflow: return "overflow";
    case errc::invalid_argument: return "invalid_argument";
    case errc::key_too_long: return "key_too_long";
    case errc::value_too_large: return "value_too_large";
    case errc::invalid_name: return "invalid_name";
    case errc::bad_config: return "bad_config";
    case errc::storage_failure: return "storage_failure";
    case errc::corrupted: return "corrupted";
    case errc::unavailable: return "unavailable";
    case errc::timeout: return "timeout";
    case errc::function_failed: return "function_failed";
    case errc::unknown_function: return "unknown_function";
    case errc::job_not_found: return "job_not_found";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, errc x) {
  return out << to_string(x);
}

} // namespace mn
