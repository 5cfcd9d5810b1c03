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
// This file: the help texts and the mapping of errors to the documented exit
// codes; the options and the choice of command are in parse.cpp.
#include "cli.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <utility>

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

usage: mn [--node HOST:PORT] [--json] [--timeout-ms N] [--tls-cert F --tls-key F --tls-ca F]
          COMMAND ...

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
  --tls-cert FILE     for a cluster with TLS: a certificate signed by its CA (default: $MN_TLS_CERT),
  --tls-key FILE      its private key (default: $MN_TLS_KEY)
  --tls-ca FILE       and the cluster's CA certificate (default: $MN_TLS_CA); all three or none
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

} // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  context c;
  if (const char* env = std::getenv("MN_NODE"); env && *env)
    c.node = env;
  for (auto [var, field] : {std::pair{"MN_TLS_CERT", &c.tls_cert},
                            std::pair{"MN_TLS_KEY", &c.tls_key}, std::pair{"MN_TLS_CA", &c.tls_ca}})
    if (const char* env = std::getenv(var); env && *env)
      *field = env;
  command_line line;
  try {
    line = parse_command_line(argc, argv, c);
  } catch (const usage_error& e) {
    return fail(exit_usage, e.what());
  }
  auto& words = line.words;
  if (line.help) {
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
