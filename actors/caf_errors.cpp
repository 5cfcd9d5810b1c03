#include "actors/caf_errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace mn::actors {

namespace {
constexpr caf::atom_value mn_category = caf::atom("mn");
} // namespace

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), mn_category, caf::make_message(std::move(message))};
}

storage::status to_status(const caf::error& err, const std::string& target) {
  if (!err)
    return storage::status::ok();
  if (err.category() == mn_category) {
    std::string msg;
    if (err.context().match_elements<std::string>())
      msg = err.context().get_as<std::string>(0);
    return {static_cast<errc>(err.code()), msg};
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        return {errc::timeout, target + " did not answer within the request timeout; it may be "
                                        "overloaded or its disk slow: retry, or raise "
                                        "request_timeout"};
      case caf::sec::request_receiver_down:
        return {errc::unavailable, target + " is not running (its node is stopping or "
                                            "stopped); retry once the node is up"};
      default:
        break;
    }
  }
  return {errc::unavailable, target + " failed: " + caf::to_string(err)};
}

} // namespace mn::actors
