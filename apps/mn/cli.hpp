#pragma once
// mn, the command line: what the subcommands share. Each concept lives in its
// own file: main.cpp (help, exit codes), parse.cpp (options, choice of
// command), dict_commands.cpp, transfer.cpp (export / import),
// cluster_commands.cpp (dicts, nodes, schedules), work_commands.cpp (call,
// job). Only mn headers here: no CAF.
#include <mn/client.hpp>
#include <mn/error.hpp>
#include <mn/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mn::cli {

/// The documented exit codes (mn --help, README).
enum exit_code : int {
  exit_ok = 0,
  exit_no = 1,          ///< a missing key (get, del, has), or a condition that did not hold (cas, setnx)
  exit_usage = 2,       ///< unknown command, missing or extra argument, invalid JSON
  exit_unavailable = 3, ///< node down or unreachable, timeout
  exit_error = 4,       ///< any other error (wrong type, unknown function, job not found, ...)
};

/// A mistake on the command line (or in input that must be JSON): exit 2.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A negative answer that is reported as an error line on stderr with exit 1
/// (a missing key).
class no_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// What a subcommand gets: the global options, its own arguments (after the
/// command words) and a connection made on first use, so that usage errors
/// never need a node.
class context {
public:
  std::string node = "127.0.0.1:4242"; ///< --node, else MN_NODE, else this
  bool json = false;                   ///< --json
  long timeout_ms = 5000;              ///< --timeout-ms
  std::optional<std::string> prefix;   ///< --prefix (dict keys only)
  std::string tls_cert;                ///< --tls-cert, else MN_TLS_CERT
  std::string tls_key;                 ///< --tls-key, else MN_TLS_KEY
  std::string tls_ca;                  ///< --tls-ca, else MN_TLS_CA
  std::vector<std::string> args;       ///< positional arguments of the subcommand
  std::string command;                 ///< e.g. "dict get", for messages

  /// The client, connected on first use. Errors: mn::unavailable naming the
  /// address, with what to do.
  mn::client& client();
  ~context();

  /// Argument i, or a usage error naming `what` when it is missing.
  const std::string& arg(std::size_t i, const char* what) const;
  /// Usage error unless there are between `min` and `max` arguments.
  void expect_args(std::size_t min, std::size_t max, const char* shape) const;

private:
  std::unique_ptr<mn::client> client_;
};

/// The command line after its global options (parse.cpp).
struct command_line {
  std::vector<std::string> words; ///< the command words and arguments, e.g. dict get users alice
  bool help = false;              ///< --help, -h, or a first word "help" (then removed)
};

/// Reads the global options of argv[1..argc) (--node, --json, --timeout-ms,
/// --prefix, --tls-cert, --tls-key, --tls-ca, --help) into `c` and returns
/// the rest; needs no node.
/// Errors: usage_error (unknown option, missing or bad option value).
command_line parse_command_line(int argc, const char* const* argv, context& c);

/// Runs the command `words` names (parse.cpp): its command, subcommand and
/// arguments are checked (usage_error) before c.client() connects. Returns the
/// exit code; errors are thrown.
int dispatch(context& c, const std::vector<std::string>& words);

/// A value given on the command line: JSON (`42`, `"text"`, `{"a":1}`); a
/// word that is not JSON is a string, unless it starts like JSON ({ [ ")
/// and is malformed: a usage error naming `what`.
mn::value parse_value(const std::string& text, const std::string& what);

/// `v` as one line of JSON (invalid UTF-8 in strings shown as U+FFFD).
std::string show(const mn::value& v);

/// Unix ms as ISO 8601 UTC ("2024-05-01T12:00:00.123Z"); "" for 0.
std::string iso_utc(int64_t ms);

/// Prints `rows` as columns separated by two spaces (the last unpadded).
void print_table(const std::vector<std::vector<std::string>>& rows);

/// true when stderr is a terminal (progress bars).
bool stderr_is_terminal();

// The subcommands. Each returns the exit code; errors are thrown.
int run_dict(context& c, const std::string& sub);
int run_export(context& c);
int run_import(context& c);
int run_dicts(context& c);
int run_nodes(context& c);
int run_schedules(context& c);
int run_call(context& c);
int run_job(context& c, const std::string& sub);

} // namespace mn::cli
