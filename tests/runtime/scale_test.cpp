// A dict of 1,000,000 keys is iterated by keys() one page at a time: the
// iteration's memory stays far below what holding every key would take.
#define BOOST_TEST_MODULE scale
#include "runtime/fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdio>

#if defined(__has_feature) // clang names sanitizers this way, gcc with macros
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MN_UNDER_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(MN_UNDER_SANITIZER)
// Under ASan freed blocks sit in a quarantine and TSan maps shadow memory for
// every page touched (LMDB's map too), so the process's anonymous memory grows
// for reasons of the sanitizer's own; the heap in use is what must stay bounded.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
static long memory_kib() {
  return static_cast<long>(__sanitizer_get_current_allocated_bytes() / 1024);
}
#else
static long memory_kib() { return mn::test::rss_anon_kib(); }
#endif

using namespace mn;

BOOST_FIXTURE_TEST_SUITE(scale, test::node_fixture)

BOOST_AUTO_TEST_CASE(a_million_keys_iterate_in_bounded_memory) {
  constexpr int total = 1000000;
  auto d = n->get_dict("big");
  char key[32];
  for (int base = 0; base < total; base += 20000) {
    std::vector<std::pair<std::string, value>> items;
    items.reserve(20000);
    for (int i = base; i < base + 20000; ++i) {
      std::snprintf(key, sizeof(key), "key%012d", i);
      items.emplace_back(key, i);
    }
    d.set_many(items);
  }
  BOOST_REQUIRE(d.size() == std::size_t{total});
  long before = memory_kib();
  long count = 0;
  long peak = before;
  std::string previous;
  bool ordered = true;
  for (const auto& k : d.keys()) {
    ordered = ordered && previous < k;
    previous = k;
    if (++count % 100000 == 0)
      peak = std::max(peak, memory_kib());
  }
  BOOST_TEST(count == total);
  BOOST_TEST(ordered);
  // Holding 1M keys of 15 bytes would take at least 32 MB of std::string.
  BOOST_TEST_MESSAGE("anonymous memory: " << before << " KiB before, " << peak
                                           << " KiB peak while iterating");
  BOOST_TEST(peak - before < 8 * 1024);
}

BOOST_AUTO_TEST_SUITE_END()
