#pragma once
#include "support/temp_dir.hpp"

#include <mn/mn.hpp>

#include <memory>

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

} // namespace mn::test
