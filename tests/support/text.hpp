#pragma once
#include <boost/test/unit_test.hpp>

#include <string>

namespace mn::test {

/// true when `text` contains `part`; else logs both (for BOOST_TEST(has(...))).
inline bool has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return true;
  BOOST_TEST_MESSAGE("'" << part << "' not in: " << text);
  return false;
}

} // namespace mn::test
