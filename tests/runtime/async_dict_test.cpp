// mn::async_dict from inside an event-based actor: every operation answers
// through its callback, errors through the error callback, nothing blocks.
#include "runtime/fixture.hpp"

#include <mn/async_dict.hpp>

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

using namespace mn;
using namespace std::chrono_literals;

namespace {

using run_atom = caf::atom_constant<caf::atom("run")>;

// Runs a fixed script of async operations and sends the log to `parent`.
caf::behavior scripted(caf::event_based_actor* self, dict d, caf::actor parent) {
  auto ad = std::make_shared<async_dict>(self, d);
  auto log = std::make_shared<std::vector<std::string>>();
  auto note = [=](std::string s) { log->push_back(std::move(s)); };
  auto err = [=](const failure& f) { note(std::string{"error "} + to_string(f.code)); };
  return {[=](run_atom) {
    // Pipelined without waiting: they must take effect in this order.
    ad->set("a", 1, [=] { note("set a"); }, err);
    ad->increment("a", 41, [=](const value& v) { note("incr a " + v.dump()); }, err);
    ad->get("a", [=](std::optional<value> v) { note("get a " + (v ? v->dump() : "none")); }, err);
    ad->get("zz", [=](std::optional<value> v) { note("get zz " + (v ? v->dump() : "none")); }, err);
    ad->at("zz", [=](const value&) { note("at zz ?"); }, err);
    ad->contains("a", [=](bool b) { note(std::string{"has a "} + (b ? "1" : "0")); }, err);
    ad->update("a", "x", 42, [=](bool b) { note(std::string{"cas "} + (b ? "1" : "0")); }, err);
    ad->set_if_absent("a", 0, [=](bool b) { note(std::string{"setnx "} + (b ? "1" : "0")); },
                      err);
    ad->increment("a", 1, [=](const value&) { note("incr str ?"); }, err);
    ad->increment("n", 2, 10, [=](const value& v) { note("incr n " + v.dump()); }, err);
    ad->size([=](std::size_t n) { note("size " + std::to_string(n)); }, err);
    ad->keys_page("", 10, [=](std::vector<std::string> ks) { note("keys " + std::to_string(ks.size())); }, err);
    ad->set(std::string(600, 'k'), 1, [=] { note("long key ?"); }, err);
    ad->erase("a", [=](bool b) {
      note(std::string{"erase a "} + (b ? "1" : "0"));
      self->send(parent, *log);
      self->quit();
    }, err);
  }};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(async_api, test::node_fixture)

BOOST_AUTO_TEST_CASE(every_operation_answers_in_order) {
  auto d = n->get_dict("async");
  caf::scoped_actor self{n->system()};
  auto a = n->system().spawn(scripted, d, caf::actor{self});
  self->send(a, run_atom::value);
  std::vector<std::string> log;
  self->receive([&](std::vector<std::string>& l) { log = std::move(l); },
                caf::after(30s) >> [] { BOOST_FAIL("no answer within 30 s"); });
  // The long key is refused before anything is sent, so its error comes first.
  std::vector<std::string> expected{"error key_too_long", "set a",     "incr a 42",
                                    "get a 42",           "get zz none", "error key_missing",
                                    "has a 1",            "cas 1",     "setnx 0",
                                    "error type_mismatch", "incr n 12", "size 2",
                                    "keys 2",             "erase a 1"};
  BOOST_TEST(log == expected, boost::test_tools::per_element());
  BOOST_TEST(!d.contains("a"));
  BOOST_TEST(d.at("n") == 12);
}

BOOST_AUTO_TEST_SUITE_END()
