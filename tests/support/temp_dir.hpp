#pragma once
// A fresh directory under the build tree (real disk, real syncs), removed at
// the end of the test unless MN_KEEP_TEST_DATA is set.
#include <string>

namespace mn::test {

class temp_dir {
public:
  explicit temp_dir(const std::string& label);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const noexcept { return path_; }
  std::string operator/(const std::string& sub) const { return path_ + "/" + sub; }

private:
  std::string path_;
};

/// Anonymous resident memory of this process in KiB (RssAnon of /proc/self/status).
long rss_anon_kib();

} // namespace mn::test
