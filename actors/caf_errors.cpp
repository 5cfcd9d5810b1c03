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

bool worth_another_connect(const caf::error& err, int attempt,
                           std::chrono::steady_clock::time_point deadline) {
  return err == caf::sec::connection_timeout && attempt < 2
         && std::chrono::steady_clock::now() + std::chrono::milliseconds(1) < deadline;
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
                                        "overloaded, frozen or cut off (the operation may "
                                        "still have been applied): retry, or raise "
                                        "request_timeout"};
      case caf::sec::request_receiver_down:
        return {errc::unavailable, target + " is not running or its connection was lost "
                                            "(its node stopped, or the connection dropped); "
                                            "retry once the node is up"};
      default:
        break;
    }
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::cannot_connect_to_node:
      case caf::sec::connection_timeout:
      case caf::sec::network_syscall_failed:
      case caf::sec::disconnect_during_handshake:
      case caf::sec::no_route_to_receiving_node:
        return {errc::unavailable, target + " is unreachable (" + caf::to_string(err)
                                     + "): is it running and listening there?"};
      case caf::sec::incompatible_versions:
      case caf::sec::incompatible_application_ids:
        return {errc::bad_config, target + " speaks another protocol (" + caf::to_string(err)
                                    + "): it is not a multinode-cpp node of this version"};
      default:
        break;
    }
  }
  return {errc::unavailable, target + " failed: " + caf::to_string(err)};
}

} // namespace mn::actors
