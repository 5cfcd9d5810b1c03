// The fast path's frames: what one side writes the other reads back, and no
// malformed body is taken for a request.
#include "runtime/wire/frame.hpp"

#include <boost/test/unit_test.hpp>

using namespace mn;
using namespace mn::wire;
using storage::op;
using storage::op_kind;

BOOST_AUTO_TEST_SUITE(wire_frames)

BOOST_AUTO_TEST_CASE(requests_and_responses_round_trip) {
  auto x = storage::make_op(op_kind::cas, "key", std::string("\0new", 4), "expected");
  x.count = 77;
  std::string body;
  write_request(body, static_cast<uint8_t>(x.kind), "dict:1", x);
  uint8_t kind = 0;
  std::string dict;
  op y;
  BOOST_REQUIRE(read_request(body, kind, dict, y));
  BOOST_TEST(dict == "dict:1");
  BOOST_TEST((y.kind == op_kind::cas));
  BOOST_TEST(y.key == "key");
  BOOST_TEST(y.a == std::string("\0new", 4));
  BOOST_TEST(y.b == "expected");
  BOOST_TEST(y.count == 77u);

  y.result = {errc::type_mismatch, "no"};
  y.found = true;
  y.out = "bytes";
  y.keys = {"a", "b"};
  std::string reply;
  write_response(reply, y);
  op z;
  BOOST_REQUIRE(read_response(reply, z));
  BOOST_TEST(z.result.code() == errc::type_mismatch);
  BOOST_TEST(z.result.message() == "no");
  BOOST_TEST(z.found);
  BOOST_TEST(z.out == "bytes");
  BOOST_TEST(z.keys == (std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_refused) {
  auto x = storage::make_op(op_kind::set, "k", "v");
  std::string body;
  write_request(body, static_cast<uint8_t>(x.kind), "d", x);
  uint8_t kind = 0;
  std::string dict;
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    op y;
    BOOST_TEST(!read_request(body.substr(0, cut), kind, dict, y), "cut at " << cut);
  }
  op y;
  BOOST_TEST(!read_request(body + "x", kind, dict, y)); // trailing byte
  std::string bad_kind = body;
  bad_kind[0] = 42;
  BOOST_TEST(!read_request(bad_kind, kind, dict, y));
  std::string huge = body;
  huge[2] = '\xff'; // the dict name claims to be enormous
  BOOST_TEST(!read_request(huge, kind, dict, y));
  BOOST_TEST(!read_response("", y));
}

BOOST_AUTO_TEST_SUITE_END()
