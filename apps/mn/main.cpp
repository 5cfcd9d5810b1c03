// mn: the multinode-cpp command line. It connects to one node (--node
// HOST:PORT, else $MN_NODE, else 127.0.0.1:4242) as an mn::client, learns the
// cluster from it and talks to each dict's owner directly.
//
//   mn dict set users alice '{"age": 31}'
//   mn dict get users alice
//   mn dict export users > users.jsonl && mn dict import users_copy < users.jsonl
//   mn nodes; mn dicts; mn schedules
//   mn call square 7; mn job start train '{"lr": 0.1}'; mn job get train-1700000000000-a1b2c3
//
// This file: the command line itself (options, help, dispatch) and the
// mapping of errors to the documented exit codes.
#include "cli.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>

namespace {

using namespace mn::cli;

constexpr const char* exit_codes = R"(exit codes:
  0  ok
  1  no: a missing key (dict get, del, has), or a condition that did not hold
     (dict cas, dict setnx printed false)
  2  usage error: unknown command or option, missing or extra argument,
     invalid JSON where JSON is required (a value starting with { [ ", an import line)
  3  unavailable: the node or a dict's owner is down or unreachable, or a timeout
     (a timed-out write may still have been applied)
  4  any other error: wrong type for incr, invalid dict name or key, unknown
     function, function failed, job not found, ...
Every error prints one line on stderr saying what was wrong and what to do.
)";

constexpr const char* main_usage = R"(mn: the multinode-cpp command line

usage: mn [--node HOST:PORT] [--json] [--timeout-ms N] COMMAND ...

commands:
  dict get|set|del|has|keys|len|incr|cas|setnx NAME ...   read and write a dict (mn dict --help)
  dict export NAME > FILE.jsonl       back up a dict: one {"key": ..., "value": ...} a line
  dict import NAME < FILE.jsonl       restore (checks every line first; imports nothing if one is bad)
  dicts                               every dict: name, owner node, number of keys
  nodes                               every member: address, up or down (and why), its dicts
  call FUNCTION [JSON]                call a function, print its result
  job start|get|list|cancel ...       start and follow jobs (mn job --help)
  schedules                           scheduled tasks: spec, next due, last run, outcome, counts

options (anywhere on the line; -- ends them):
  --node HOST:PORT    the node to connect to (default: $MN_NODE, else 127.0.0.1:4242)
  --json              machine output: one JSON document per command, or per line for lists
  --timeout-ms N      longest wait for each answer (default: 5000)
  --help, -h          this help; mn dict --help, mn job --help for theirs

Values are JSON (42, 2.5, true, null, '"text"', '{"a": 1}', '[1, 2]'); a word that is not
JSON is taken as a string (mn dict set d k hello stores "hello"). Keys are plain text.
Times are ISO 8601 UTC.

)";

constexpr const char* dict_usage = R"(usage: mn dict COMMAND NAME [KEY] [VALUE...]

  get NAME KEY                 print the value (JSON); exit 1 when the key is missing
  set NAME KEY VALUE           store VALUE (durable when mn returns)
  del NAME KEY                 delete; prints true, or false with exit 1 when it was missing
  has NAME KEY                 no output: exit 0 when present, 1 when missing
                               (with --json it also prints true or false)
  keys NAME [--prefix P]       the keys, ascending by bytes, one a line (fetched in pages)
  len NAME                     the number of keys
  incr NAME KEY [DELTA]        add DELTA (default 1) atomically, print the new value;
                               a missing key starts at 0; a non-number is an error (exit 4)
  cas NAME KEY NEW EXPECTED    store NEW only if the value is EXPECTED (the seed's
                               update(key, new_value, expected_current_value)); prints
                               true, or false with exit 1 (also when the key is missing)
  setnx NAME KEY VALUE         store VALUE only if KEY is absent; prints true, or false
                               with exit 1
  export NAME                  print every item as a line {"key": K, "value": V} (ascending
                               keys; not a snapshot: writes during the export may or may
                               not show); progress on stderr when it is a terminal
  import NAME                  read such lines from stdin and store them (set, in batches
                               of one atomic commit each). Every line is checked first: a
                               bad line stops the import with its line number before
                               anything is stored (exit 2). Existing keys not in the input
                               are kept; keys in it are overwritten.

)";

constexpr const char* job_usage = R"(usage: mn job COMMAND ...

  start NAME [JSON]            start job NAME with input JSON (default null); prints its id
  get ID                       the job's record: status, node, attempts, times, input,
                               result, error (the name comes from the id, NAME-<ms>-<hex>)
  list NAME                    the jobs of NAME, oldest first: id and status
  cancel ID                    ask the job to stop: prints true, or false when it had
                               already ended (exit 0 both ways)

)";

[[noreturn]] void print_help(const char* text) {
  std::cout << text << exit_codes;
  std::exit(exit_ok);
}

// One error line on stderr: "mn: <what>", on one line whatever the message.
int fail(int code, std::string message) {
  for (auto& ch : message)
    if (ch == '\n' || ch == '\r')
      ch = ' ';
  std::cerr << "mn: " << message << std::endl;
  return code;
}

int exit_for(mn::errc code) {
  switch (code) {
    case mn::errc::key_missing:
      return exit_no;
    case mn::errc::unavailable:
    case mn::errc::timeout:
      return exit_unavailable;
    case mn::errc::bad_config:
      return exit_usage;
    default:
      return exit_error;
  }
}

int dispatch(context& c, std::vector<std::string> words) {
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

} // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  context c;
  if (const char* env = std::getenv("MN_NODE"); env && *env)
    c.node = env;
  std::vector<std::string> words;
  bool help = false;
  try {
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
        help = true;
      else if (name == "--json")
        c.json = true;
      else if (name == "--node")
        c.node = value();
      else if (name == "--prefix")
        c.prefix = value();
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
  } catch (const usage_error& e) {
    return fail(exit_usage, e.what());
  }
  if (!words.empty() && words[0] == "help") { // mn help [dict|job]
    help = true;
    words.erase(words.begin());
  }
  if (help) {
    if (!words.empty() && words[0] == "dict")
      print_help(dict_usage);
    if (!words.empty() && words[0] == "job")
      print_help(job_usage);
    print_help(main_usage);
  }
  try {
    return dispatch(c, words);
  } catch (const usage_error& e) {
    return fail(exit_usage, e.what());
  } catch (const no_error& e) {
    return fail(exit_no, e.what());
  } catch (const mn::error& e) {
    return fail(exit_for(e.code()), std::string{e.what()} + " [" + e.name() + "]");
  } catch (const std::exception& e) {
    return fail(exit_error, e.what());
  }
}
