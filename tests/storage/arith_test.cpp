#include "storage/arith.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

using namespace mn;
using namespace mn::storage;

BOOST_AUTO_TEST_SUITE(arith)

BOOST_AUTO_TEST_CASE(integers_stay_integers) {
  value out;
  BOOST_REQUIRE(add(4, 2, out));
  BOOST_TEST(out.is_number_integer());
  BOOST_TEST(!out.is_number_float());
  BOOST_TEST(out.get<int64_t>() == 6);
  BOOST_REQUIRE(add(value(4u), -10, out)); // unsigned as decoded from MessagePack
  BOOST_TEST(out.get<int64_t>() == -6);
}

BOOST_AUTO_TEST_CASE(a_float_makes_a_float) {
  value out;
  BOOST_REQUIRE(add(4, 0.5, out));
  BOOST_TEST(out.is_number_float());
  BOOST_TEST(out.get<double>() == 4.5);
  BOOST_REQUIRE(add(1.25, 1, out));
  BOOST_TEST(out.get<double>() == 2.25);
}

BOOST_AUTO_TEST_CASE(overflow_is_an_error) {
  value out;
  auto st = add(std::numeric_limits<int64_t>::max(), 1, out);
  BOOST_TEST(st.code() == errc::overflow);
  BOOST_TEST(st.message().find("nothing changed") != std::string::npos);
  BOOST_TEST(add(std::numeric_limits<int64_t>::min(), -1, out).code() == errc::overflow);
  BOOST_TEST(add(value(std::numeric_limits<uint64_t>::max()), 0, out).code() == errc::overflow);
}

BOOST_AUTO_TEST_CASE(non_numbers_are_type_errors) {
  value out;
  for (const value& bad : {value("7"), value(true), value(nullptr), value::array({1}),
                           value::object({{"a", 1}})}) {
    auto st = add(bad, 1, out);
    BOOST_TEST(st.code() == errc::type_mismatch);
    BOOST_TEST(st.message().find("increment works on integers and floats") != std::string::npos);
    BOOST_TEST(add(1, bad, out).code() == errc::type_mismatch);
  }
}

BOOST_AUTO_TEST_SUITE_END()
