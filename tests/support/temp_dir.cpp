#include "support/temp_dir.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace fs = std::filesystem;

namespace mn::test {

temp_dir::temp_dir(const std::string& label) {
  static std::atomic<int> counter{0};
  std::ostringstream os;
  os << MN_TEST_TMP << "/" << label << "-" << ::getpid() << "-" << counter++;
  path_ = os.str();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

temp_dir::~temp_dir() {
  if (std::getenv("MN_KEEP_TEST_DATA") == nullptr) {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
}

long rss_anon_kib() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("RssAnon:", 0) == 0)
      return std::stol(line.substr(8));
  return -1;
}

} // namespace mn::test
