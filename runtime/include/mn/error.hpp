#pragma once
// The exceptions thrown by the blocking API (mn::dict, mn::node). Each has a
// stable code (mn::errc) and a message that says what went wrong and what to do.
// The asynchronous API for actors never throws: it hands back the same codes
// inside caf::error values (see <mn/async_dict.hpp>).
#include <mn/errc.hpp>

#include <stdexcept>
#include <string>

namespace mn {

/// Base of every error this library throws.
class error : public std::runtime_error {
public:
  error(errc code, const std::string& what);
  /// The stable code, e.g. errc::key_missing.
  errc code() const noexcept { return code_; }
  /// The stable name of the code, e.g. "key_missing".
  const char* name() const noexcept { return to_string(code_); }

private:
  errc code_;
};

/// A key is absent (at(), increment() without an initial value).
class key_error : public error { using error::error; };
/// The stored value has the wrong type for the operation, or an integer overflowed.
class type_error : public error { using error::error; };
/// Malformed input: over-long key, empty key, value too large, bad dict name,
/// unusable options or data directory.
class invalid_argument : public error { using error::error; };
/// LMDB or the file system failed, or a data file is corrupted.
class storage_error : public error { using error::error; };
/// The dict's owner cannot be reached, or the node is stopping. The message
/// names the node.
class unavailable : public error { using error::error; };
/// No answer within the request timeout: the owner may be overloaded, frozen
/// or cut off. A kind of mn::unavailable; the operation may still have been
/// applied.
class timeout : public unavailable { using unavailable::unavailable; };

/// A function threw; the message says which, where, and what it said.
class function_error : public error { using error::error; };
/// No node of the cluster has registered the function called.
class unknown_function : public error { using error::error; };
/// No job has the id asked for.
class job_not_found : public error { using error::error; };

/// Throws the exception class that matches `code`, with `message`.
/// REQUIRES: code != errc::none.
[[noreturn]] void throw_error(errc code, const std::string& message);

/// An error delivered to an asynchronous callback (mn::async_dict, the
/// actor form of function_handle::call_async).
struct failure {
  errc code = errc::none;
  std::string message;
  /// Throws the matching mn exception (mn::key_error, ...).
  [[noreturn]] void raise() const { throw_error(code, message); }
};

} // namespace mn
