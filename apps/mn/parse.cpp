// mn, the command line: its global options and the choice of command, apart
// from main() (help texts, exit codes) so that they can be checked without a
// node (fuzz/apps/mn/).
#include "cli.hpp"

#include <cstdlib>
#include <optional>

namespace mn::cli {

command_line parse_command_line(int argc, const char* const* argv, context& c) {
  command_line line;
  auto& words = line.words;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-' || (a[1] != '-' && a != "-h")) {
      words.push_back(a); // also negative numbers such as -1
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    auto eq = a.find('=');
    std::string name = a.substr(0, eq);
    std::optional<std::string> inline_value;
    if (eq != std::string::npos)
      inline_value = a.substr(eq + 1);
    auto value = [&]() -> std::string {
      if (inline_value)
        return *inline_value;
      if (i + 1 >= argc)
        throw usage_error("option " + name + " needs a value; see mn --help");
      return argv[++i];
    };
    if (name == "--help" || name == "-h")
      line.help = true;
    else if (name == "--json")
      c.json = true;
    else if (name == "--node")
      c.node = value();
    else if (name == "--prefix")
      c.prefix = value();
    else if (name == "--tls-cert")
      c.tls_cert = value();
    else if (name == "--tls-key")
      c.tls_key = value();
    else if (name == "--tls-ca")
      c.tls_ca = value();
    else if (name == "--timeout-ms") {
      auto text = value();
      char* end = nullptr;
      long ms = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || ms <= 0 || ms > 3600000)
        throw usage_error("--timeout-ms '" + text + "' is not a number of milliseconds "
                          "from 1 to 3600000");
      c.timeout_ms = ms;
    } else
      throw usage_error("unknown option '" + a + "'; see mn --help (put -- before values "
                        "that start with --)");
    if (inline_value && (name == "--help" || name == "-h" || name == "--json"))
      throw usage_error("option " + name + " takes no value");
  }
  if (!words.empty() && words[0] == "help") { // mn help [dict|job]
    line.help = true;
    words.erase(words.begin());
  }
  return line;
}

int dispatch(context& c, const std::vector<std::string>& words) {
  auto cmd = words.empty() ? std::string{} : words[0];
  auto take_sub = [&](const char* group) {
    if (words.size() < 2)
      throw usage_error(std::string{"mn "} + group + ": missing command; see mn " + group
                        + " --help");
    auto sub = words[1];
    c.command = std::string{group} + " " + sub;
    c.args.assign(words.begin() + 2, words.end());
    return sub;
  };
  if (cmd == "dict") {
    auto sub = take_sub("dict");
    if (c.prefix && sub != "keys")
      throw usage_error("mn dict " + sub + ": --prefix belongs to mn dict keys");
    if (sub == "export")
      return run_export(c);
    if (sub == "import")
      return run_import(c);
    return run_dict(c, sub);
  }
  if (c.prefix)
    throw usage_error("--prefix belongs to mn dict keys");
  if (cmd == "job") {
    auto sub = take_sub("job");
    return run_job(c, sub);
  }
  c.command = cmd;
  c.args.assign(words.begin() + (words.empty() ? 0 : 1), words.end());
  if (cmd == "dicts")
    return run_dicts(c);
  if (cmd == "nodes")
    return run_nodes(c);
  if (cmd == "schedules")
    return run_schedules(c);
  if (cmd == "call")
    return run_call(c);
  if (cmd.empty())
    throw usage_error("missing command; see mn --help");
  throw usage_error("unknown command '" + cmd + "'; see mn --help");
}

} // namespace mn::cli
