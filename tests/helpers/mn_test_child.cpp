// mn_test_child: programs the tests run as real child processes.
//
//   mn_test_child writer DATA_DIR COUNT PREFIX
//       sets key PREFIX<i> = i for i in [0, COUNT) in dict "durable", printing "i"
//       on a line once each set has returned (= is acknowledged durable).
//   mn_test_child open DATA_DIR [as-nobody]
//       starts a node on DATA_DIR (after dropping root to uid/gid 65534 when
//       asked) and opens dict "d"; prints "ok" or "<error name>: <message>".
#include <mn/mn.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <unistd.h>

int main(int argc, char** argv) {
  if (argc >= 5 && std::strcmp(argv[1], "writer") == 0) {
    mn::node_options opts;
    opts.data_dir = argv[2];
    long count = std::stol(argv[3]);
    std::string prefix = argv[4];
    mn::node node{opts};
    auto d = node.get_dict("durable");
    for (long i = 0; i < count; ++i) {
      d.set(prefix + std::to_string(i), i);
      std::printf("%ld\n", i);
      std::fflush(stdout);
    }
    return 0;
  }
  if (argc >= 3 && std::strcmp(argv[1], "open") == 0) {
    if (argc >= 4 && std::strcmp(argv[3], "as-nobody") == 0 && ::geteuid() == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
        std::printf("cannot drop privileges\n");
        return 3;
      }
    }
    try {
      mn::node_options opts;
      opts.data_dir = argv[2];
      mn::node node{opts};
      node.get_dict("d").set("k", 1);
      std::printf("ok\n");
      return 0;
    } catch (const mn::error& e) {
      std::printf("%s: %s\n", e.name(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "usage: mn_test_child writer DATA_DIR COUNT PREFIX | open DATA_DIR [as-nobody]\n");
  return 2;
}
