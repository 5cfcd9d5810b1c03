#pragma once
// storage::status: the result of a storage call, leveldb-style. ok() or a code
// from mn::errc with a message that says what went wrong and what to do.
#include <mn/errc.hpp>

#include <string>
#include <utility>

namespace mn::storage {

class status {
public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok() { return {}; }
  bool is_ok() const noexcept { return code_ == errc::none; }
  explicit operator bool() const noexcept { return is_ok(); }
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

private:
  errc code_ = errc::none;
  std::string message_;
};

} // namespace mn::storage
