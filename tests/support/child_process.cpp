#include "support/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mn::test {

child_process::child_process(const std::vector<std::string>& argv) {
  ::signal(SIGPIPE, SIG_IGN); // a dead child's stdin must not kill the test
  int fds[2];
  int ins[2];
  if (::pipe2(fds, O_CLOEXEC) != 0 || ::pipe2(ins, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string{"pipe: "} + std::strerror(errno));
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(ins[0], STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(ins[0]);
  out_fd_ = fds[0];
  in_fd_ = ins[1];
}

child_process::~child_process() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
  if (in_fd_ >= 0)
    ::close(in_fd_);
}

bool child_process::write_line(const std::string& line) {
  auto text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(in_fd_, text.data() + done, text.size() - done);
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> child_process::ask(const std::string& command,
                                              std::chrono::milliseconds within) {
  if (!write_line(command))
    return std::nullopt;
  return read_line(within);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (auto nl = buf_.find('\n'); nl != std::string::npos) {
      auto line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    if (eof_)
      return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char tmp[4096];
    auto n = ::read(out_fd_, tmp, sizeof(tmp));
    if (n <= 0)
      eof_ = true;
    else
      buf_.append(tmp, static_cast<std::size_t>(n));
  }
}

std::vector<std::string> child_process::read_lines_until(
  std::chrono::steady_clock::time_point deadline) {
  std::vector<std::string> lines;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return lines;
    auto line = read_line(left);
    if (!line)
      return lines;
    lines.push_back(std::move(*line));
  }
}

void child_process::kill(int sig) {
  if (!status_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::try_wait(std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (!status_ && std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int child_process::wait(std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (!status_) {
    int st = 0;
    auto r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *status_;
}

} // namespace mn::test
