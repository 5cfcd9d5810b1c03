#include "storage/codec.hpp"
#include "storage/dict_store.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace mn;
using namespace mn::storage;

namespace {

std::string enc(const value& v) {
  std::string out;
  BOOST_REQUIRE(encode(v, out));
  return out;
}

value dec(const std::string& bytes) {
  value v;
  BOOST_REQUIRE(decode(bytes, v));
  return v;
}

std::shared_ptr<dict_store> open_store(const std::string& dir, env_options opts = {}) {
  std::shared_ptr<dict_store> s;
  auto st = dict_store::open(dir, opts, s);
  BOOST_REQUIRE_MESSAGE(st.is_ok(), st.message());
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dict_store_suite)

BOOST_AUTO_TEST_CASE(a_batch_runs_in_order_and_each_op_sees_the_ones_before) {
  test::temp_dir dir{"store-batch"};
  auto s = open_store(dir.path());
  std::vector<op> batch;
  batch.push_back(make_op(op_kind::set, "x", enc(4)));
  batch.push_back(make_op(op_kind::increment, "x", enc(2)));
  batch.push_back(make_op(op_kind::cas, "x", enc(9), enc(6)));
  batch.push_back(make_op(op_kind::increment, "x", enc("oops"))); // fails alone
  batch.push_back(make_op(op_kind::set_if_absent, "y", enc(10)));
  batch.push_back(make_op(op_kind::set_if_absent, "y", enc(11)));
  batch.push_back(make_op(op_kind::get, "x"));
  batch.push_back(make_op(op_kind::erase, "nope"));
  BOOST_REQUIRE(s->apply(batch));
  BOOST_TEST(dec(batch[1].out) == 6);
  BOOST_TEST(batch[2].found);
  BOOST_TEST(batch[3].result.code() == errc::type_mismatch);
  BOOST_TEST(batch[4].found);
  BOOST_TEST(!batch[5].found);
  BOOST_TEST(dec(batch[6].out) == 9);
  BOOST_TEST(!batch[7].found);
  std::string bytes;
  bool found = false;
  BOOST_REQUIRE(s->get("y", bytes, found));
  BOOST_TEST(found);
  BOOST_TEST(dec(bytes) == 10);
}

BOOST_AUTO_TEST_CASE(set_many_is_all_or_nothing) {
  test::temp_dir dir{"store-many"};
  auto s = open_store(dir.path());
  auto x = make_op(op_kind::set_many, "");
  x.items = {{"a", enc(1)}, {std::string(600, 'k'), enc(2)}};
  BOOST_REQUIRE(s->apply(x));
  BOOST_TEST(x.result.code() == errc::key_too_long);
  BOOST_TEST(x.result.message().find("no item of this call was written") != std::string::npos);
  uint64_t n = 99;
  BOOST_REQUIRE(s->size(n));
  BOOST_TEST(n == 0u);
}

BOOST_AUTO_TEST_CASE(garbage_value_bytes_are_refused_before_storage) {
  test::temp_dir dir{"store-garbage"};
  auto s = open_store(dir.path());
  auto x = make_op(op_kind::set, "k", "\xc1\xc1");
  BOOST_REQUIRE(s->apply(x));
  BOOST_TEST(x.result.code() == errc::invalid_argument);
  bool found = true;
  BOOST_REQUIRE(s->contains("k", found));
  BOOST_TEST(!found);
}

BOOST_AUTO_TEST_CASE(keys_come_in_ascending_pages) {
  test::temp_dir dir{"store-keys"};
  auto s = open_store(dir.path());
  auto x = make_op(op_kind::set_many, "");
  for (int i = 99; i >= 0; --i)
    x.items.emplace_back("key" + std::to_string(1000 + i), enc(i));
  BOOST_REQUIRE(s->apply(x));
  std::vector<std::string> all;
  std::vector<std::string> page;
  std::string after;
  do {
    BOOST_REQUIRE(s->keys_after(after, 7, page));
    BOOST_TEST(page.size() <= 7u);
    all.insert(all.end(), page.begin(), page.end());
    if (!page.empty())
      after = page.back();
  } while (page.size() == 7);
  BOOST_REQUIRE(all.size() == 100u);
  BOOST_TEST(all.front() == "key1000");
  BOOST_TEST(all.back() == "key1099");
  BOOST_TEST(std::is_sorted(all.begin(), all.end()));
  // "after" need not be a key that exists.
  BOOST_REQUIRE(s->keys_after("key1050x", 2, page));
  BOOST_TEST(page == (std::vector<std::string>{"key1051", "key1052"}));
}

BOOST_AUTO_TEST_CASE(the_map_grows_past_its_initial_size) {
  test::temp_dir dir{"store-grow"};
  env_options opts;
  opts.initial_map_size = 1u << 20; // 1 MiB
  auto s = open_store(dir.path(), opts);
  std::string payload(3000, 'v');
  for (int round = 0; round < 20; ++round) { // 20 x 500 x 3 KB = 30 MB
    auto x = make_op(op_kind::set_many, "");
    for (int i = 0; i < 500; ++i)
      x.items.emplace_back("r" + std::to_string(round) + "-" + std::to_string(i), enc(payload));
    auto st = s->apply(x);
    BOOST_REQUIRE_MESSAGE(st.is_ok() && x.result.is_ok(), st.message() + x.result.message());
  }
  BOOST_TEST(s->map_size() > (16u << 20));
  uint64_t n = 0;
  BOOST_REQUIRE(s->size(n));
  BOOST_TEST(n == 10000u);
  s.reset();
  // Reopening with a small initial size keeps the grown map.
  auto again = open_store(dir.path(), opts);
  std::string bytes;
  bool found = false;
  BOOST_REQUIRE(again->get("r19-499", bytes, found));
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(a_corrupted_file_is_reported_and_left_alone) {
  test::temp_dir dir{"store-corrupt"};
  {
    auto s = open_store(dir.path());
    auto x = make_op(op_kind::set, "k", enc(1));
    BOOST_REQUIRE(s->apply(x));
  }
  auto file = dir / "data.mdb";
  {
    std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
    std::string junk(8192, '\x5a'); // both meta pages
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  std::shared_ptr<dict_store> s;
  auto st = dict_store::open(dir.path(), {}, s);
  BOOST_TEST(st.code() == errc::corrupted);
  BOOST_TEST(st.message().find("restore this dict's directory from a backup") != std::string::npos);
  std::ifstream f{file, std::ios::binary};
  std::string head(16, '\0');
  f.read(head.data(), 16);
  BOOST_TEST(head == std::string(16, '\x5a')); // not overwritten
}

BOOST_AUTO_TEST_SUITE_END()
