#include "storage/codec.hpp"
#include "storage/limits.hpp"

#include <boost/test/unit_test.hpp>

using namespace mn;
using namespace mn::storage;

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(round_trips_every_kind) {
  value v = {{"null", nullptr},     {"bool", true},          {"int", -42},
             {"big", INT64_MAX},    {"float", 2.5},          {"str", "héllo"},
             {"list", {1, "two", 3.0}}, {"map", {{"k", {{"n", 1}}}}},
             {"bytes", value::binary({0, 1, 255})}};
  std::string bytes;
  BOOST_REQUIRE(encode(v, bytes));
  value back;
  BOOST_REQUIRE(decode(bytes, back));
  BOOST_TEST(back == v);
  BOOST_TEST(back["float"].is_number_float());
  BOOST_TEST(back["int"].is_number_integer());
  BOOST_TEST(back["bytes"].is_binary());
}

BOOST_AUTO_TEST_CASE(truncated_and_garbage_bytes_are_invalid_argument) {
  std::string bytes;
  BOOST_REQUIRE(encode(value{{"a", "some text"}}, bytes));
  value out;
  auto st = decode(std::string_view{bytes}.substr(0, bytes.size() - 3), out);
  BOOST_TEST(st.code() == errc::invalid_argument);
  BOOST_TEST(st.message().find("not one complete MessagePack value") != std::string::npos);
  BOOST_TEST(decode("\xc1", out).code() == errc::invalid_argument); // 0xc1: never used
  BOOST_TEST(decode(bytes + "x", out).code() == errc::invalid_argument); // trailing byte
  BOOST_TEST(decode("", out).code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(strings_and_bytes_of_every_header_size_round_trip) {
  // fixstr, str8, str16, str32 and bin8, bin16, bin32 take the bulk-copy path.
  for (std::size_t len : {0u, 1u, 31u, 32u, 255u, 256u, 65535u, 65536u, 70000u}) {
    for (bool binary : {false, true}) {
      value v = binary ? value::binary(std::vector<uint8_t>(len, 0xab)) : value(std::string(len, 'x'));
      std::string bytes;
      BOOST_REQUIRE(encode(v, bytes));
      value back;
      BOOST_REQUIRE(decode(bytes, back));
      BOOST_TEST(back == v, "length " << len << (binary ? " binary" : " string"));
      BOOST_TEST(validate(bytes).is_ok());
      // One byte short or one byte too many is malformed, on both paths.
      BOOST_TEST(decode(bytes + "!", back).code() == errc::invalid_argument);
      BOOST_TEST(validate(bytes + "!").code() == errc::invalid_argument);
      if (len > 0) {
        auto cut = std::string_view{bytes}.substr(0, bytes.size() - 1);
        BOOST_TEST(decode(cut, back).code() == errc::invalid_argument);
        BOOST_TEST(validate(cut).code() == errc::invalid_argument);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(validate_accepts_what_encode_makes_and_nothing_else) {
  std::string bytes;
  BOOST_REQUIRE(encode(value{{"a", {1, 2.5, nullptr, true}}, {"b", "c"}}, bytes));
  BOOST_TEST(validate(bytes).is_ok());
  BOOST_TEST(validate(bytes.substr(0, bytes.size() - 2)).code() == errc::invalid_argument);
  BOOST_TEST(validate("\xc1").code() == errc::invalid_argument);
  BOOST_TEST(validate(std::string(max_value_bytes + 1, '\0')).code() == errc::value_too_large);
}

BOOST_AUTO_TEST_CASE(too_large_value_is_refused) {
  std::string bytes;
  auto st = encode(value(std::string(max_value_bytes, 'x')), bytes);
  BOOST_TEST(st.code() == errc::value_too_large);
  BOOST_TEST(st.message().find("split it over several keys") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keys_of_1_to_511_bytes_only) {
  BOOST_TEST(check_key("k").is_ok());
  BOOST_TEST(check_key(std::string(511, 'k')).is_ok());
  auto st = check_key(std::string(512, 'k'));
  BOOST_TEST(st.code() == errc::key_too_long);
  BOOST_TEST(st.message().find("512 bytes") != std::string::npos);
  BOOST_TEST(check_key("").code() == errc::invalid_argument);
}

// Found with fuzz/storage/codec_fuzz.cpp: MessagePack and nlohmann's writers
// recurse once per level, so about 100,000 nested lists (100 KB of 0x91
// bytes, or a JSON body of "[[[...") overflowed the stack of whichever node
// thread validated, decoded or encoded them.
BOOST_AUTO_TEST_CASE(values_nested_deeper_than_the_limit_are_refused_not_a_crash) {
  auto nested = [](std::size_t depth) { // [[...[1]...]], `depth` lists
    return value::parse(std::string(depth, '[') + "1" + std::string(depth, ']'));
  };
  std::string bytes;
  BOOST_REQUIRE(encode(nested(max_value_depth), bytes));
  value back;
  BOOST_TEST(bool(validate(bytes)));
  BOOST_REQUIRE(decode(bytes, back));
  BOOST_TEST(back == nested(max_value_depth));
  for (std::size_t depth : {max_value_depth + 1, std::size_t{200000}}) {
    auto st = encode(nested(depth), bytes);
    BOOST_TEST(st.code() == errc::invalid_argument);
    BOOST_TEST(st.message().find("deeper than 512 levels") != std::string::npos);
    std::string wire(depth, '\x91'); // fixarray of 1, `depth` times, around a nil
    wire += '\xc0';
    BOOST_TEST(validate(wire).code() == errc::invalid_argument);
    st = decode(wire, back);
    BOOST_TEST(st.code() == errc::invalid_argument);
    BOOST_TEST(st.message().find("deeper than 512 levels") != std::string::npos);
    std::string maps; // {"": {"": ... nil}}
    for (std::size_t i = 0; i < depth; ++i)
      maps += "\x81\xa0";
    maps += '\xc0';
    BOOST_TEST(validate(maps).code() == errc::invalid_argument);
    BOOST_TEST(decode(maps, back).code() == errc::invalid_argument);
  }
}

BOOST_AUTO_TEST_SUITE_END()
