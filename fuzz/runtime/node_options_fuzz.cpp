// Fuzzes node_options::from_command_line (runtime/node_options.cpp), the
// parser of mnode's command line and of its INI --config file.
//
// Input: ARGS '\0' CONFIG, or CONFIG alone (no NUL). ARGS is split on '\n'
// into arguments; CONFIG is written to a temporary file that the command line
// names first (--config FILE ARGS...), so that an argument cannot point
// --config elsewhere (a second --config is an error). Both overloads run (with
// and without `rest`). Only mn::invalid_argument with code bad_config may come
// out; a parsed result must pass validate().
#include <mn/error.hpp>
#include <mn/node_options.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

std::string dir;
std::string config_path;

void remove_files() {
  std::remove(config_path.c_str());
  ::rmdir(dir.c_str());
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_node_options: %s: %s\n", what, detail.c_str());
  std::abort();
}

void run(const std::vector<const char*>& argv, bool with_rest) {
  try {
    std::vector<std::string> rest;
    auto o = with_rest ? mn::node_options::from_command_line(
                           static_cast<int>(argv.size()), argv.data(), mn::node_options{}, &rest)
                       : mn::node_options::from_command_line(static_cast<int>(argv.size()),
                                                             argv.data());
    o.validate(); // what it returns is valid
  } catch (const mn::invalid_argument& e) {
    if (e.code() != mn::errc::bad_config)
      fail("invalid_argument without code bad_config", e.what());
  } catch (const std::exception& e) {
    fail("an exception other than mn::invalid_argument", e.what());
  } catch (...) {
    fail("a non-standard exception", "");
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string{tmp && *tmp ? tmp : "/tmp"} + "/mn-fuzz-options-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("fuzz_node_options: mkdtemp");
    std::exit(1);
  }
  dir = pattern;
  config_path = dir + "/mnode.ini";
  std::atexit(remove_files);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto nul = input.find('\0');
  std::string_view args_text = nul == std::string_view::npos ? std::string_view{} : input.substr(0, nul);
  std::string_view config = nul == std::string_view::npos ? input : input.substr(nul + 1);

  std::FILE* f = std::fopen(config_path.c_str(), "wb");
  if (f == nullptr || std::fwrite(config.data(), 1, config.size(), f) != config.size()
      || std::fclose(f) != 0)
    fail("cannot write the config file", config_path);

  std::vector<std::string> args;
  while (!args_text.empty()) {
    auto nl = args_text.find('\n');
    args.emplace_back(args_text.substr(0, nl));
    args_text.remove_prefix(nl == std::string_view::npos ? args_text.size() : nl + 1);
  }
  std::vector<const char*> argv = {"mnode", "--config", config_path.c_str()};
  for (auto& a : args)
    argv.push_back(a.c_str());
  run(argv, false);
  run(argv, true);
  return 0;
}
