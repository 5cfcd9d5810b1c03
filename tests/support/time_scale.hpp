#pragma once
// How much longer than usual a test may wait: MN_TEST_TIME_SCALE (a number >= 1,
// default 1), set by scripts/sanitize.sh because sanitized builds run several
// times slower. Only waiting bounds are scaled; no check of behaviour changes.
#include <chrono>
#include <cstdlib>

namespace mn::test {

inline double time_scale() {
  const char* s = std::getenv("MN_TEST_TIME_SCALE");
  double x = s != nullptr ? std::atof(s) : 1.0;
  return x >= 1.0 ? x : 1.0;
}

/// `d` times time_scale().
inline std::chrono::milliseconds scaled(std::chrono::milliseconds d) {
  return std::chrono::milliseconds{static_cast<long long>(d.count() * time_scale())};
}

} // namespace mn::test
