// Every bad input gets its own error, with a message that says what to do, and
// loses nothing already stored.
#include "runtime/fixture.hpp"
#include "support/child_process.hpp"

#include "support/text.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

using namespace mn;
using mn::test::has;
using namespace std::chrono_literals;

namespace {

// Runs `f`, which must throw E with `code`; returns the message.
template <class E, class F>
std::string expect_error(F&& f, errc code) {
  try {
    f();
  } catch (const E& e) {
    BOOST_TEST(to_string(e.code()) == to_string(code));
    return e.what();
  } catch (const std::exception& e) {
    BOOST_FAIL("unexpected exception: " << e.what());
  }
  BOOST_FAIL("no exception");
  return {};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(errors, test::node_fixture)

// A client whose seed node is not there fails with mn::unavailable, at once
// and without hanging in its own shutdown (it once waited forever for a
// scoped actor of its constructor).
BOOST_AUTO_TEST_CASE(a_client_of_no_node_fails_fast) {
  auto start = std::chrono::steady_clock::now();
  node_options o;
  o.connect_timeout = 1s;
  try {
    client c{"127.0.0.1:1", o}; // port 1: nobody listens there
    BOOST_FAIL("no error");
  } catch (const mn::unavailable& e) {
    BOOST_TEST(has(e.what(), "127.0.0.1:1"), e.what());
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(over_long_keys_are_refused_never_truncated) {
  auto d = n->get_dict("keys");
  d["ok"] = 1;
  std::string long_key(512, 'k');
  auto msg = expect_error<invalid_argument>([&] { d[long_key] = 1; }, errc::key_too_long);
  BOOST_TEST(has(msg, "longer than the 511-byte limit"));
  expect_error<invalid_argument>([&] { d.get(long_key); }, errc::key_too_long);
  expect_error<invalid_argument>([&] { d.increment(long_key, 1, 0); }, errc::key_too_long);
  expect_error<invalid_argument>([&] { d.set_if_absent(long_key, 1); }, errc::key_too_long);
  expect_error<invalid_argument>([&] { d.set_many({{"fine", 1}, {long_key, 2}}); },
                                 errc::key_too_long);
  expect_error<invalid_argument>([&] { d[""] = 1; }, errc::invalid_argument);
  d[std::string(511, 'k')] = 2; // the limit itself is fine
  BOOST_TEST(d.size() == 2u);
  BOOST_TEST(!d.contains("fine"));
  BOOST_TEST(d.at("ok") == 1);
}

BOOST_AUTO_TEST_CASE(invalid_dict_names) {
  for (std::string bad : {std::string{}, std::string(201, 'n'), std::string{"a/b"},
                          std::string{".."}, std::string{"sp ace"}, std::string{"é"}}) {
    auto msg = expect_error<invalid_argument>([&] { n->get_dict(bad); }, errc::invalid_name);
    BOOST_TEST(has(msg, "invalid dict name"));
  }
  auto msg = expect_error<invalid_argument>([&] { n->get_dict("__jobs"); }, errc::invalid_name);
  BOOST_TEST(has(msg, "reserved for the runtime"));
  n->get_system_dict("__jobs")["k"] = 1; // the runtime itself may
  n->get_dict(std::string(200, 'n'));
  n->get_dict("tweet_summaries:v1.2-b");
}

BOOST_AUTO_TEST_CASE(increment_of_a_non_number_changes_nothing) {
  auto d = n->get_dict("types");
  d["s"] = "seven";
  auto msg = expect_error<type_error>([&] { d["s"] += 1; }, errc::type_mismatch);
  BOOST_TEST(has(msg, "cannot increment a string value"));
  BOOST_TEST(d.at("s") == "seven");
  d["n"] = 1;
  expect_error<type_error>([&] { d.increment("n", "1"); }, errc::type_mismatch);
  expect_error<type_error>([&] { d.increment("new", 1, "zero"); }, errc::type_mismatch);
  BOOST_TEST(!d.contains("new"));
  d["big"] = INT64_MAX;
  msg = expect_error<type_error>([&] { d["big"] += 1; }, errc::overflow);
  BOOST_TEST(has(msg, "64-bit signed range"));
  BOOST_TEST(d.at("big") == INT64_MAX);
  BOOST_TEST(d.at("n") == 1);
}

BOOST_AUTO_TEST_CASE(too_large_values_keep_the_old_value) {
  auto d = n->get_dict("large");
  d["v"] = "small";
  auto msg = expect_error<invalid_argument>([&] { d["v"] = std::string(17u << 20, 'x'); },
                                            errc::value_too_large);
  BOOST_TEST(has(msg, "split it over several keys"));
  BOOST_TEST(d.at("v") == "small");
}

BOOST_AUTO_TEST_CASE(a_data_directory_that_is_a_file) {
  auto file = dir / "not-a-dir";
  std::ofstream{file} << "keep me";
  node_options opts;
  opts.data_dir = file;
  auto msg = expect_error<invalid_argument>([&] { mn::node x{opts}; }, errc::bad_config);
  BOOST_TEST(has(msg, "is not a directory"));
  BOOST_TEST(std::filesystem::file_size(file) == 7u);
}

BOOST_AUTO_TEST_CASE(a_data_directory_in_use) {
  n->get_dict("d")["k"] = 1;
  node_options opts;
  opts.data_dir = dir / "data";
  auto msg = expect_error<invalid_argument>([&] { mn::node twin{opts}; }, errc::bad_config);
  BOOST_TEST(has(msg, "in use by another node"));
  // Another process is refused too, and the data stays.
  test::child_process child{{MN_TEST_CHILD, "open", opts.data_dir}};
  auto line = child.read_line(30s);
  BOOST_REQUIRE(line);
  BOOST_TEST(has(*line, "bad_config: data directory"));
  BOOST_TEST(child.wait(30s) == 1);
  BOOST_TEST(n->get_dict("d").at("k") == 1);
}

BOOST_AUTO_TEST_CASE(an_unreadable_data_directory) {
  auto locked = dir / "locked";
  std::filesystem::create_directories(locked);
  std::filesystem::permissions(locked, std::filesystem::perms::none);
  // Root reads everything: the child drops to 'nobody' first when run as root.
  test::child_process child{{MN_TEST_CHILD, "open", locked + "/data", "as-nobody"}};
  auto line = child.read_line(30s);
  BOOST_REQUIRE(line);
  BOOST_TEST(has(*line, "bad_config: cannot"));
  BOOST_TEST(has(*line, "Permission denied"));
  BOOST_TEST(child.wait(30s) == 1);
}

BOOST_AUTO_TEST_CASE(a_corrupted_dict_fails_alone_and_is_not_overwritten) {
  n->get_dict("healthy")["k"] = "fine";
  n->get_dict("broken")["k"] = "gone";
  n.reset();
  auto file = dir / "data/dicts/broken/data.mdb";
  {
    std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
    std::string junk(8192, '\x7f');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto size_before = std::filesystem::file_size(file);
  start();
  auto msg = expect_error<storage_error>([&] { n->get_dict("broken"); }, errc::corrupted);
  BOOST_TEST(has(msg, "restore this dict's directory from a backup"));
  BOOST_TEST(n->get_dict("healthy").at("k") == "fine");
  BOOST_TEST(std::filesystem::file_size(file) == size_before);
}

BOOST_AUTO_TEST_CASE(an_empty_handle_is_unavailable) {
  mn::dict d;
  auto msg = expect_error<unavailable>([&] { d.at("k"); }, errc::unavailable);
  BOOST_TEST(has(msg, "get one from node::get_dict()"));
}

BOOST_AUTO_TEST_CASE(a_call_that_outlives_its_timeout) {
  // A 2 ms budget for a 200,000-item commit: the caller gets mn::timeout; the
  // write itself still completes (a timeout says 'unknown', not 'not applied').
  node_options opts;
  opts.request_timeout = 2ms;
  restart(opts);
  auto d = n->get_dict("slow");
  std::vector<std::pair<std::string, value>> items;
  for (int i = 0; i < 200000; ++i)
    items.emplace_back("k" + std::to_string(i), std::string(100, 'v'));
  auto msg = expect_error<timeout>([&] { d.set_many(items); }, errc::timeout);
  BOOST_TEST(has(msg, "raise request_timeout"));
  restart(); // waits for the commit
  BOOST_TEST(n->get_dict("slow").size() == 200000u);
}

BOOST_AUTO_TEST_SUITE_END()
