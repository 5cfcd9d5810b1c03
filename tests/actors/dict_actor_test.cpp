#include "actors/caf_errors.hpp"
#include "actors/dict_actor.hpp"
#include "actors/dict_protocol.hpp"
#include "storage/codec.hpp"
#include "support/temp_dir.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

using namespace mn;
using namespace mn::actors;
using namespace std::chrono_literals;

namespace {

std::string enc(const value& v) {
  std::string out;
  BOOST_REQUIRE(storage::encode(v, out));
  return out;
}

struct fixture {
  test::temp_dir dir{"dict-actor"};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<storage::dict_store> store;
  caf::actor dict;

  fixture() {
    auto st = storage::dict_store::open(dir.path(), {}, store);
    BOOST_REQUIRE_MESSAGE(st.is_ok(), st.message());
    dict = spawn_dict_actor(sys, "t", store);
  }
  ~fixture() { caf::anon_send_exit(dict, caf::exit_reason::user_shutdown); }

  std::pair<uint64_t, uint64_t> stats() {
    caf::scoped_actor self{sys};
    std::pair<uint64_t, uint64_t> out;
    self->request(dict, 5s, dstats_atom::value)
      .receive([&](uint64_t b, uint64_t o) { out = {b, o}; },
               [&](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
    return out;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(dict_actor_suite, fixture)

BOOST_AUTO_TEST_CASE(concurrent_writes_share_commits) {
  // 500 requests sent without waiting: they reach the mailbox together, so the
  // actor commits them in far fewer transactions than requests.
  constexpr int n = 500;
  caf::scoped_actor self{sys};
  for (int i = 0; i < n; ++i)
    self->send(dict, dset_atom::value, "k" + std::to_string(i), enc(i));
  int acks = 0;
  self->receive_for(acks, n)([&](bool ok) { BOOST_TEST(ok); });
  auto [batches, ops] = stats();
  BOOST_TEST(ops == uint64_t{n});
  BOOST_TEST(batches < uint64_t{n} / 4);
  uint64_t size = 0;
  BOOST_REQUIRE(store->size(size));
  BOOST_TEST(size == uint64_t{n});
}

BOOST_AUTO_TEST_CASE(a_sender_sees_its_own_pipelined_writes) {
  caf::scoped_actor self{sys};
  self->send(dict, dset_atom::value, std::string{"x"}, enc(1));
  self->send(dict, dincr_atom::value, std::string{"x"}, enc(41), std::string{});
  self->send(dict, dget_atom::value, std::string{"x"}); // joins the pending batch
  self->receive([](bool) {});
  self->receive([](std::string&) {});
  self->receive([](bool found, std::string& bytes) {
    BOOST_TEST(found);
    value v;
    BOOST_REQUIRE(storage::decode(bytes, v));
    BOOST_TEST(v == 42);
  });
}

BOOST_AUTO_TEST_CASE(errors_come_back_as_mn_errors) {
  caf::scoped_actor self{sys};
  self->request(dict, 5s, dincr_atom::value, std::string{"missing"}, enc(1), std::string{})
    .receive([](std::string&) { BOOST_FAIL("expected key_missing"); },
             [](caf::error& e) {
               auto st = to_status(e, "dict 't'");
               BOOST_TEST(st.code() == errc::key_missing);
               BOOST_TEST(st.message().find("pass an initial value") != std::string::npos);
             });
  self->request(dict, 5s, dsetmany_atom::value, std::vector<std::string>{"a", "b"},
                std::vector<std::string>{enc(1)})
    .receive([](uint64_t) { BOOST_FAIL("expected invalid_argument"); },
             [](caf::error& e) {
               BOOST_TEST(to_status(e, "d").code() == errc::invalid_argument);
             });
}

BOOST_AUTO_TEST_CASE(stopping_commits_what_was_accepted) {
  constexpr int n = 200;
  caf::scoped_actor self{sys};
  for (int i = 0; i < n; ++i)
    self->send(dict, dset_atom::value, "s" + std::to_string(i), enc(i));
  caf::anon_send_exit(dict, caf::exit_reason::user_shutdown);
  int acks = 0;
  self->receive_for(acks, n)([&](bool ok) { BOOST_TEST(ok); },
                             caf::after(10s) >> [&] { BOOST_FAIL("lost answers"); });
  uint64_t size = 0;
  BOOST_REQUIRE(store->size(size));
  BOOST_TEST(size == uint64_t{n});
}

BOOST_AUTO_TEST_SUITE_END()
