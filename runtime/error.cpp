#include <mn/error.hpp>

namespace mn {

error::error(errc code, const std::string& what)
  : std::runtime_error(what), code_(code) {
  // nop
}

void throw_error(errc code, const std::string& message) {
  switch (code) {
    case errc::key_missing:
      throw key_error(code, message);
    case errc::type_mismatch:
    case errc::overflow:
      throw type_error(code, message);
    case errc::invalid_argument:
    case errc::key_too_long:
    case errc::value_too_large:
    case errc::invalid_name:
    case errc::bad_config:
      throw invalid_argument(code, message);
    case errc::storage_failure:
    case errc::corrupted:
      throw storage_error(code, message);
    case errc::unavailable:
      throw unavailable(code, message);
    case errc::timeout:
      throw timeout(code, message);
    case errc::function_failed:
      throw function_error(code, message);
    case errc::unknown_function:
      throw unknown_function(code, message);
    case errc::job_not_found:
      throw job_not_found(code, message);
    case errc::none:
      break;
  }
  throw error(code, message);
}

} // namespace mn
