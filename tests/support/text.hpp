#pragma once
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace mn::test {

/// true when `text` contains `part`; else logs both (for BOOST_TEST(has(...))).
inline bool has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return true;
  BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
  return false;
}

/// The whole file at `path`, byte for byte; "" when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

/// Milliseconds from `t` (steady clock) to now.
inline long ms_since(std::chrono::steady_clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - t)
                             .count());
}

} // namespace mn::test
