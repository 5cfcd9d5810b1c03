// The seed page's dict contract, operation by operation, on a real node.
#include "runtime/fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace mn;

BOOST_FIXTURE_TEST_SUITE(dict_api, test::node_fixture)

BOOST_AUTO_TEST_CASE(the_seed_walk_through) {
  auto my_dict = n->get_dict("name");
  my_dict["a"] = 1;
  my_dict["b"] = 2;
  my_dict["b"] = 3;
  my_dict["c"] = 4;
  BOOST_TEST(my_dict.at("c") == 4);
  BOOST_TEST(value(my_dict["c"]) == 4);
  BOOST_TEST(my_dict.erase("a"));
  BOOST_TEST(!my_dict.erase("a"));
  BOOST_TEST(!my_dict.contains("a"));
  BOOST_TEST(my_dict.contains("b"));
  std::vector<std::string> keys;
  for (const auto& k : my_dict.keys())
    keys.push_back(k);
  BOOST_TEST(keys == (std::vector<std::string>{"b", "c"}));
  BOOST_TEST(!my_dict.get("a").has_value());
  BOOST_CHECK_THROW(my_dict.at("a"), key_error);
  my_dict["x"] = 4;
  BOOST_TEST((my_dict["x"] += 2) == 6);
  BOOST_TEST(my_dict.update("x", 9, 6));
  BOOST_TEST(my_dict.at("x") == 9);
  BOOST_TEST(my_dict.set_if_absent("y", 10));
  BOOST_TEST(!my_dict.set_if_absent("y", 11));
  BOOST_TEST(my_dict.at("y") == 10);
  BOOST_TEST(my_dict.size() == 4u);
}

BOOST_AUTO_TEST_CASE(same_name_same_dict_other_name_other_dict) {
  auto a1 = n->get_dict("shared");
  auto a2 = n->get_dict("shared");
  auto b = n->get_dict("other");
  a1.set("k", "v");
  BOOST_TEST(a2.at("k") == "v");
  BOOST_TEST(!b.contains("k"));
}

BOOST_AUTO_TEST_CASE(structured_values_round_trip) {
  auto d = n->get_dict("values");
  value v = {{"s", "text"}, {"i", -7}, {"f", 0.25}, {"b", false}, {"n", nullptr},
             {"l", {1, {2, 3}}}, {"m", {{"deep", {{"x", 1}}}}}};
  d.set("v", v);
  BOOST_TEST(d.at("v") == v);
  BOOST_TEST(d.at("v")["f"].is_number_float());
  d.set("bytes", value::binary({1, 2, 3}));
  BOOST_TEST(d.at("bytes").is_binary());
  BOOST_TEST(d.get("missing", "fallback") == "fallback");
}

BOOST_AUTO_TEST_CASE(increment_follows_python) {
  auto d = n->get_dict("incr");
  BOOST_CHECK_THROW(d.increment("missing"), key_error);
  BOOST_TEST(!d.contains("missing"));
  BOOST_TEST(d.increment("fresh", 5, 100) == 105);
  BOOST_TEST(d.increment("fresh", 5, 100) == 110); // initial only when missing
  d["f"] = 1.5;
  BOOST_TEST(d.increment("f", 1) == 2.5);
  d["i"] = 10;
  auto r = d.increment("i", 0.5);
  BOOST_TEST(r.is_number_float());
  BOOST_TEST(r == 10.5);
  d["n"] = 3;
  BOOST_TEST((d["n"] -= 5) == -2);
}

BOOST_AUTO_TEST_CASE(update_compares_deeply_and_never_creates) {
  auto d = n->get_dict("cas");
  BOOST_TEST(!d.update("absent", 1, nullptr));
  BOOST_TEST(!d.contains("absent"));
  d["m"] = value{{"a", {1, 2}}, {"b", "x"}};
  BOOST_TEST(!d.update("m", 0, value{{"a", {1, 3}}, {"b", "x"}}));
  BOOST_TEST(d.update("m", 0, value{{"b", "x"}, {"a", {1, 2}}}));
  BOOST_TEST(d.at("m") == 0);
  BOOST_TEST(d.update("m", "zero", 0.0)); // numbers compare by value: 0 == 0.0
  BOOST_TEST(d.at("m") == "zero");
}

BOOST_AUTO_TEST_CASE(set_many_writes_all_at_once) {
  auto d = n->get_dict("many");
  std::vector<std::pair<std::string, value>> items;
  for (int i = 0; i < 2500; ++i)
    items.emplace_back("k" + std::to_string(i), i);
  BOOST_TEST(d.set_many(items) == 2500u);
  BOOST_TEST(d.size() == 2500u);
  BOOST_TEST(d.at("k2499") == 2499);
}

BOOST_AUTO_TEST_CASE(keys_stream_across_pages_in_order) {
  node_options opts;
  opts.keys_page_size = 3;
  restart(opts);
  auto d = n->get_dict("pages");
  for (int i = 0; i < 10; ++i)
    d.set("k" + std::to_string(i), i);
  std::vector<std::string> keys(d.keys().begin(), d.keys().end());
  BOOST_TEST(keys.size() == 10u);
  BOOST_TEST(std::is_sorted(keys.begin(), keys.end()));
  auto empty = n->get_dict("empty");
  BOOST_TEST((empty.keys().begin() == empty.keys().end()));
}

BOOST_AUTO_TEST_CASE(data_survives_a_restart_and_every_dict_is_listed) {
  n->get_dict("one")["k"] = 1;
  n->get_dict("two")["k"] = value{{"nested", true}};
  auto before = n->get_dict("two");
  restart();
  BOOST_TEST(n->dicts() == (std::vector<std::string>{"one", "two"}));
  BOOST_TEST(n->get_dict("one").at("k") == 1);
  BOOST_TEST(n->get_dict("two").at("k")["nested"] == true);
  // A handle from the stopped node says so instead of crashing.
  BOOST_CHECK_THROW(before.at("k"), unavailable);
}

BOOST_AUTO_TEST_CASE(relaxed_durability_works_the_same) {
  node_options opts;
  opts.durability = durability::relaxed;
  restart(opts);
  auto d = n->get_dict("relaxed");
  d["a"] = 1;
  BOOST_TEST((d["a"] += 1) == 2);
  restart();
  BOOST_TEST(n->get_dict("relaxed").at("a") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
