#pragma once
// What every benchmark program does alike: parse its own options and hand the
// rest to the node, and (serving nodes) wait until stdin closes or a stop
// signal comes. Header-only; bench/ only.
#include <mn/option_errors.hpp>

#include <boost/program_options.hpp>

#include <csignal>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace bench {

/// Parses `desc` from the command line into `vm`; unknown options go to
/// `node_args` (for node_options::from_command_line). Returns an exit code
/// when the program should end now (0 after --help, 2 on a bad option, said
/// on stderr as "<prog>: ..."), else nullopt.
inline std::optional<int> parse_options(const char* prog, int argc, char** argv,
                                        const boost::program_options::options_description& desc,
                                        boost::program_options::variables_map& vm,
                                        std::vector<std::string>& node_args) {
  namespace po = boost::program_options;
  try {
    auto parsed = po::command_line_parser(argc, argv).options(desc).allow_unregistered().run();
    node_args = po::collect_unrecognized(parsed.options, po::include_positional);
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << prog << ": " << mn::option_error_message(e, mn::any_percent(argc, argv)) << "\n";
    return 2;
  }
  return std::nullopt;
}

/// Blocks SIGTERM, SIGINT and SIGUSR1 in this thread and every thread it
/// starts from now on (call it before starting the node): wait_for_stop()
/// takes them.
inline sigset_t block_stop_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  return sigs;
}

/// Waits until stdin closes (the benchmark script's way of stopping a
/// serving node) or SIGTERM/SIGINT comes; says which on stderr.
inline void wait_for_stop(const char* prog, const sigset_t& sigs) {
  std::thread([] {
    char buf[256];
    for (;;) {
      auto n = ::read(0, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EINTR))
        break;
    }
    ::kill(::getpid(), SIGUSR1);
  }).detach();
  int sig = 0;
  sigwait(&sigs, &sig);
  std::fprintf(stderr, "%s: %s, stopping\n", prog,
               sig == SIGUSR1 ? "stdin closed" : (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
}

} // namespace bench
