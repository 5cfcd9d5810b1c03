// mn dict get|set|del|has|keys|len|incr|cas|setnx: the seed's dict API, one
// call per command.
#include "cli.hpp"

#include <iostream>

namespace mn::cli {

namespace {

void print_bool(bool b) {
  std::cout << (b ? "true" : "false") << '\n';
}

int keys(context& c, mn::dict& d) {
  const std::size_t page_size = 1000;
  auto print = [&](const std::string& k) {
    if (c.json)
      std::cout << show(mn::value(k)) << '\n';
    else
      std::cout << k << '\n';
  };
  std::string after;
  if (c.prefix && !c.prefix->empty()) {
    // Pages start strictly after a key: the prefix itself first.
    if (d.contains(*c.prefix))
      print(*c.prefix);
    after = *c.prefix;
  }
  for (;;) {
    auto page = d.keys_page(after, page_size);
    for (auto& k : page) {
      if (c.prefix && k.compare(0, c.prefix->size(), *c.prefix) != 0)
        return exit_ok; // past the keys with the prefix
      print(k);
    }
    if (page.size() < page_size)
      return exit_ok;
    after = page.back();
  }
}

} // namespace

int run_dict(context& c, const std::string& sub) {
  static const char* const known[] = {"get", "set", "del", "has", "keys",
                                      "len", "incr", "cas", "setnx"};
  bool found = false;
  for (auto* k : known)
    found = found || sub == k;
  if (!found)
    throw usage_error("unknown dict command '" + sub + "'; one of get set del has keys len "
                      "incr cas setnx export import (see mn dict --help)");
  const auto& name = c.arg(0, "dict NAME");
  if (sub == "get") {
    c.expect_args(2, 2, "NAME KEY");
    const auto& key = c.args[1];
    auto d = c.client().get_dict(name);
    auto v = d.get(key);
    if (!v)
      throw no_error("dict '" + name + "' has no key '" + key + "'; mn dict keys " + name
                     + " lists its keys");
    std::cout << show(*v) << '\n';
    return exit_ok;
  }
  if (sub == "set") {
    c.expect_args(3, 3, "NAME KEY VALUE");
    auto v = parse_value(c.args[2], "VALUE");
    auto d = c.client().get_dict(name);
    d.set(c.args[1], v);
    if (c.json)
      std::cout << "{\"ok\":true}\n";
    return exit_ok;
  }
  if (sub == "del") {
    c.expect_args(2, 2, "NAME KEY");
    auto d = c.client().get_dict(name);
    bool was = d.erase(c.args[1]);
    print_bool(was);
    if (!was)
      throw no_error("dict '" + name + "' has no key '" + c.args[1] + "'; nothing deleted");
    return exit_ok;
  }
  if (sub == "has") {
    c.expect_args(2, 2, "NAME KEY");
    auto d = c.client().get_dict(name);
    bool has = d.contains(c.args[1]);
    if (c.json)
      print_bool(has);
    return has ? exit_ok : exit_no;
  }
  if (sub == "keys") {
    c.expect_args(1, 1, "NAME [--prefix P]");
    auto d = c.client().get_dict(name);
    return keys(c, d);
  }
  if (sub == "len") {
    c.expect_args(1, 1, "NAME");
    auto d = c.client().get_dict(name);
    std::cout << d.size() << '\n';
    return exit_ok;
  }
  if (sub == "incr") {
    c.expect_args(2, 3, "NAME KEY [DELTA]");
    mn::value delta = 1;
    if (c.args.size() == 3) {
      delta = parse_value(c.args[2], "DELTA");
      if (!delta.is_number())
        throw usage_error("mn dict incr: DELTA '" + c.args[2] + "' is not a number; give "
                          "an integer or a float, e.g. 5, -1 or 0.5");
    }
    auto d = c.client().get_dict(name);
    std::cout << show(d.increment(c.args[1], delta, 0)) << '\n';
    return exit_ok;
  }
  if (sub == "cas") {
    c.expect_args(4, 4, "NAME KEY NEW_VALUE EXPECTED_VALUE");
    auto now = parse_value(c.args[2], "NEW_VALUE");
    auto expected = parse_value(c.args[3], "EXPECTED_VALUE");
    auto d = c.client().get_dict(name);
    bool applied = d.update(c.args[1], now, expected);
    print_bool(applied);
    return applied ? exit_ok : exit_no;
  }
  // setnx
  c.expect_args(3, 3, "NAME KEY VALUE");
  auto v = parse_value(c.args[2], "VALUE");
  auto d = c.client().get_dict(name);
  bool applied = d.set_if_absent(c.args[1], v);
  print_bool(applied);
  return applied ? exit_ok : exit_no;
}

} // namespace mn::cli
