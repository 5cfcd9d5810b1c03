// Placement: every process computes the same owner; dicts spread over members.
#include "runtime/membership.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace mn;
using runtime::membership;

namespace {

std::vector<peer> three() {
  return {{"c", "127.0.0.1", 3}, {"a", "127.0.0.1", 1}, {"b", "127.0.0.1", 2}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(placement)

BOOST_AUTO_TEST_CASE(every_view_agrees_on_every_owner) {
  membership from_a{"a", three()};
  auto shuffled = three();
  std::swap(shuffled[0], shuffled[2]);
  membership from_c{"c", shuffled};
  auto from_client = membership::parse("", from_a.fingerprint());
  for (int i = 0; i < 1000; ++i) {
    auto name = "dict" + std::to_string(i);
    BOOST_TEST(from_a.owner_of(name).name == from_c.owner_of(name).name);
    BOOST_TEST(from_a.owner_of(name).name == from_client.owner_of(name).name);
  }
  BOOST_TEST(from_a.fingerprint() == "a@127.0.0.1:1,b@127.0.0.1:2,c@127.0.0.1:3");
  BOOST_TEST(from_a.fingerprint() == from_c.fingerprint());
}

BOOST_AUTO_TEST_CASE(dicts_spread_over_all_members) {
  membership m{"a", three()};
  std::map<std::string, int> count;
  for (int i = 0; i < 3000; ++i)
    ++count[m.owner_of("d" + std::to_string(i)).name];
  BOOST_TEST(count.size() == 3u);
  for (auto& [name, n] : count)
    BOOST_TEST((n > 800 && n < 1200), name << " owns " << n);
}

BOOST_AUTO_TEST_CASE(a_new_member_moves_only_what_it_wins) {
  membership before{"a", three()};
  auto four = three();
  four.push_back({"d", "127.0.0.1", 4});
  membership after{"a", four};
  for (int i = 0; i < 2000; ++i) {
    auto name = "x" + std::to_string(i);
    auto now = after.owner_of(name).name;
    BOOST_TEST((now == "d" || now == before.owner_of(name).name));
  }
}

BOOST_AUTO_TEST_CASE(differences_are_named) {
  membership a{"a", three()};
  auto other = three();
  other[0].port = 9; // c moved
  other.push_back({"d", "127.0.0.1", 4});
  membership b{"b", other};
  auto diff = runtime::describe_difference(a.fingerprint(), b.fingerprint());
  BOOST_TEST(diff == "'c' is 127.0.0.1:3 here but 127.0.0.1:9 there; 'd' (127.0.0.1:4) is only there");
}

BOOST_AUTO_TEST_SUITE_END()
