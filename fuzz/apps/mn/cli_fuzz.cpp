// Fuzzes the mn command line (apps/mn/parse.cpp and the argument checks of
// every subcommand) without connecting anywhere.
//
// Input: the arguments after "mn", separated by '\n' or NUL. The line must
// end in one of: a usage error (mn exits 2), help (exit 0), or a command that
// passed its checks and asks for the connection. The connection is refused
// without any socket: a --node that parses is replaced by an address that
// does not (context::client() checks the address before connecting), and
// stdin is /dev/null (mn dict import reads it before connecting).
#include "apps/mn/cli.hpp"

#include <mn/error.hpp>
#include <mn/node_options.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Not a HOST:PORT (the port is not a number), so client() gives up at once.
const std::string no_connect = "fuzz-no-connect:none";

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_mn_cli: %s: %s\n", what, detail.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (std::freopen("/dev/null", "r", stdin) == nullptr) {
    std::perror("fuzz_mn_cli: stdin from /dev/null");
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  std::vector<std::string> args{"mn"};
  while (!input.empty()) {
    auto end = input.find_first_of(std::string_view{"\n\0", 2});
    args.emplace_back(input.substr(0, end));
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  }
  std::vector<const char*> argv;
  for (auto& a : args)
    argv.push_back(a.c_str());

  using namespace mn::cli;
  context c;
  command_line line;
  try {
    line = parse_command_line(static_cast<int>(argv.size()), argv.data(), c);
  } catch (const usage_error&) {
    return 0; // exit 2
  } catch (const std::exception& e) {
    fail("parse_command_line threw something other than usage_error", e.what());
  }
  if (line.help)
    return 0; // mn prints the help and exits 0
  try {
    std::string host;
    uint16_t port = 0;
    mn::parse_address(c.node, "--node", host, port);
    c.node = no_connect; // it would connect: make sure it cannot
  } catch (const mn::invalid_argument&) {
    // client() will refuse it with a usage error before any socket.
  }
  try {
    int code = dispatch(c, line.words);
    fail("a command finished without a node", "exit code " + std::to_string(code));
  } catch (const usage_error&) {
    return 0; // exit 2, or (message naming no_connect) a checked command
  } catch (const std::exception& e) {
    fail("a command threw something other than usage_error before connecting", e.what());
  }
  return 0;
}
