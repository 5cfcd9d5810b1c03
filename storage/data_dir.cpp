#include "storage/data_dir.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mn::storage {

namespace {

status make_dir(const std::string& path, const char* what) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      return {errc::bad_config, std::string{"cannot use "} + what + " " + path + ": "
                                  + std::strerror(errno)
                                  + "; choose a directory this process can read and write"};
    if (!S_ISDIR(st.st_mode))
      return {errc::bad_config, std::string{what} + " " + path
                                  + " exists but is not a directory; remove it or choose "
                                    "another path"};
    return status::ok();
  }
  return {errc::bad_config, std::string{"cannot create "} + what + " " + path + ": "
                              + std::strerror(errno)
                              + "; create it by hand or choose a writable path"};
}

} // namespace

status data_dir::open(const std::string& path, data_dir& out) {
  if (path.empty())
    return {errc::bad_config, "the data directory path is empty; set data_dir"};
  // Create missing parents too, as `mkdir -p` would.
  std::error_code ec;
  fs::path p{path};
  if (p.has_parent_path() && !fs::exists(p.parent_path(), ec))
    fs::create_directories(p.parent_path(), ec);
  if (auto st = make_dir(path, "data directory"); !st)
    return st;
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0)
    return {errc::bad_config, "data directory " + path + " is not readable and writable: "
                                + std::strerror(errno)
                                + "; fix its permissions or choose another directory"};
  std::string lock_path = path + "/LOCK";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return {errc::bad_config, "cannot open " + lock_path + ": " + std::strerror(errno)
                                + "; fix the data directory's permissions"};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    auto n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string{" (pid " + std::string{buf, static_cast<size_t>(n)} + ")"} : "";
    return {errc::bad_config, "data directory " + path + " is in use by another node" + holder
                                + "; stop that node or choose another data directory"};
  }
  auto pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for messages; the lock itself is what matters.
  }
  if (auto st = make_dir(path + "/dicts", "dicts directory"); !st) {
    ::close(fd);
    return st;
  }
  out = data_dir{};
  out.path_ = path;
  out.lock_fd_ = fd;
  return status::ok();
}

data_dir::data_dir(data_dir&& other) noexcept
  : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

data_dir& data_dir::operator=(data_dir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0)
      ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = other.lock_fd_;
    other.lock_fd_ = -1;
  }
  return *this;
}

data_dir::~data_dir() {
  if (lock_fd_ >= 0)
    ::close(lock_fd_); // releases the flock
}

status data_dir::dict_path(const std::string& name, bool create, std::string& out) const {
  out = path_ + "/dicts/" + name;
  if (create)
    return make_dir(out, "dict directory");
  return status::ok();
}

bool data_dir::has_dict(const std::string& name) const {
  struct stat st;
  return ::stat((path_ + "/dicts/" + name + "/data.mdb").c_str(), &st) == 0;
}

status data_dir::list_dicts(std::vector<std::string>& out) const {
  out.clear();
  std::error_code ec;
  for (fs::directory_iterator i{path_ + "/dicts", ec}, end; !ec && i != end; i.increment(ec))
    if (i->is_directory(ec) && fs::exists(i->path() / "data.mdb", ec))
      out.push_back(i->path().filename().string());
  if (ec)
    return {errc::storage_failure, "cannot list " + path_ + "/dicts: " + ec.message()};
  std::sort(out.begin(), out.end());
  return status::ok();
}

} // namespace mn::storage
