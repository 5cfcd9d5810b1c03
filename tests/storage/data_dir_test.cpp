#include "storage/data_dir.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

#include <sys/stat.h>

using namespace mn;
using namespace mn::storage;

BOOST_AUTO_TEST_SUITE(data_dir_suite)

BOOST_AUTO_TEST_CASE(creates_owner_only_directory_with_parents) {
  test::temp_dir tmp{"dd-create"};
  data_dir d;
  auto path = tmp / "a/b/data";
  BOOST_REQUIRE(data_dir::open(path, d));
  struct stat st;
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
}

BOOST_AUTO_TEST_CASE(a_file_is_not_a_data_directory) {
  test::temp_dir tmp{"dd-file"};
  auto path = tmp / "file";
  std::ofstream{path} << "precious";
  data_dir d;
  auto st = data_dir::open(path, d);
  BOOST_TEST(st.code() == errc::bad_config);
  BOOST_TEST(st.message().find("is not a directory") != std::string::npos);
  std::ifstream in{path};
  std::string text;
  in >> text;
  BOOST_TEST(text == "precious");
}

BOOST_AUTO_TEST_CASE(one_node_per_directory) {
  test::temp_dir tmp{"dd-lock"};
  data_dir first;
  BOOST_REQUIRE(data_dir::open(tmp.path(), first));
  data_dir second;
  auto st = data_dir::open(tmp.path(), second);
  BOOST_TEST(st.code() == errc::bad_config);
  BOOST_TEST(st.message().find("in use by another node") != std::string::npos);
  first = data_dir{}; // releases the claim
  BOOST_TEST(data_dir::open(tmp.path(), second).is_ok());
}

BOOST_AUTO_TEST_CASE(lists_dicts_that_have_data) {
  test::temp_dir tmp{"dd-list"};
  data_dir d;
  BOOST_REQUIRE(data_dir::open(tmp.path(), d));
  std::string p;
  BOOST_REQUIRE(d.dict_path("b", true, p));
  std::ofstream{p + "/data.mdb"} << "";
  BOOST_REQUIRE(d.dict_path("a", true, p));
  std::ofstream{p + "/data.mdb"} << "";
  BOOST_REQUIRE(d.dict_path("empty", true, p));
  std::vector<std::string> names;
  BOOST_REQUIRE(d.list_dicts(names));
  BOOST_TEST(names == (std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_SUITE_END()
