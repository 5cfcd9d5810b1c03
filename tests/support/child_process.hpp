#pragma once
// A real child process with its stdout read line by line, killed (SIGKILL) and
// reaped by the destructor if still running, so no test leaves one behind.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mn::test {

class child_process {
public:
  /// Starts `argv[0]` with `argv`; its stdin is a pipe for write_line(), its
  /// stderr goes to ours. Throws std::runtime_error when it cannot.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next line of stdout, or nullopt at end of output or after `within`.
  std::optional<std::string> read_line(std::chrono::milliseconds within);
  /// The lines of stdout until it closes or `deadline` passes (those that
  /// came in time; the caller checks the exit with try_wait()).
  std::vector<std::string> read_lines_until(std::chrono::steady_clock::time_point deadline);
  /// Writes `line` and a newline to the child's stdin; false if it is gone.
  bool write_line(const std::string& line);
  /// write_line(command), then read_line(within).
  std::optional<std::string> ask(const std::string& command, std::chrono::milliseconds within);
  void kill(int sig);
  /// Waits for exit (at most `within`, then SIGKILL); returns the exit code,
  /// or 128 + signal number.
  int wait(std::chrono::milliseconds within);
  /// Waits for exit at most `within`; nullopt (and the child left running) if
  /// it did not exit.
  std::optional<int> try_wait(std::chrono::milliseconds within);
  pid_t pid() const noexcept { return pid_; }

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int in_fd_ = -1;
  std::string buf_;
  bool eof_ = false;
  std::optional<int> status_;
};

} // namespace mn::test
