#pragma once
#include "support/temp_dir.hpp"

#include <mn/mn.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace mn::test {

/// A node on a fresh data directory.
struct node_fixture {
  temp_dir dir{"node"};
  std::unique_ptr<mn::node> n;

  node_fixture() { start(); }
  void start(node_options opts = {}) {
    opts.data_dir = dir / "data";
    n = std::make_unique<mn::node>(opts);
  }
  void restart(node_options opts = {}) {
    n.reset();
    start(opts);
  }
};

/// A function body that throws on two calls out of three (the third, sixth,
/// ... succeed, returning their input); counts every call in `attempts`.
inline function_body flaky_body(std::shared_ptr<std::atomic<int>> attempts) {
  return [attempts](const value& x) -> value {
    if (++*attempts % 3 != 0)
      throw std::runtime_error("not yet");
    return x;
  };
}

} // namespace mn::test
