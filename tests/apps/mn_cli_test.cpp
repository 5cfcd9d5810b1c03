// mn, the command line, end to end: the real binary (MN_CLI) against real
// nodes (mn_test_node, through cluster_fixture), every subcommand, --json,
// MN_NODE, export -> import, and every bad input with its exit code and its
// one line on stderr. Every run of mn is bounded in time and reaped.
#define BOOST_TEST_MODULE cli
#include "cluster/cluster_fixture.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <mn/value.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mn::test;
using namespace std::chrono_literals;

namespace {

temp_dir& scratch() {
  static temp_dir dir{"cli"};
  return dir;
}

std::string write_file(const std::string& text) {
  static std::atomic<int> n{0};
  auto path = scratch() / ("in-" + std::to_string(n++) + ".txt");
  std::ofstream{path, std::ios::binary} << text;
  return path;
}

struct outcome {
  int code = -1;
  std::vector<std::string> lines; // stdout
  std::string err;                // stderr
  std::chrono::milliseconds took{0};
  std::string out() const {
    std::string s;
    for (auto& l : lines)
      s += l + "\n";
    return s;
  }
  std::string first() const { return lines.empty() ? "" : lines[0]; }
  long err_lines() const { return std::count(err.begin(), err.end(), '\n'); }
};

struct run_options {
  std::string stdin_file = "/dev/null";
  bool pipe = false;                      // feed stdin through `cat |`
  std::optional<std::string> mn_node_env; // MN_NODE for mn (unset otherwise)
  std::chrono::milliseconds within = 60s;
};

// Runs `mn ARGS...` (stdin from a file, stderr to a file) and waits for it,
// at most `within`.
outcome mn_run(const std::vector<std::string>& args, const run_options& o = {}) {
  static std::atomic<int> n{0};
  auto err_file = scratch() / ("err-" + std::to_string(n++) + ".txt");
  std::vector<std::string> argv{
    "/bin/sh", "-c",
    "e=$1; i=$2; m=$3; shift 3\n"
    "if [ \"$m\" = pipe ]; then cat \"$i\" | \"$@\" 2>\"$e\"; exit $?; fi\n"
    "exec \"$@\" <\"$i\" 2>\"$e\"",
    "sh", err_file, o.stdin_file, o.pipe ? "pipe" : "file", "/usr/bin/env"};
  if (o.mn_node_env)
    argv.push_back("MN_NODE=" + *o.mn_node_env);
  else
    argv.insert(argv.end(), {"-u", "MN_NODE"});
  argv.push_back(MN_CLI);
  argv.insert(argv.end(), args.begin(), args.end());
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + o.within;
  child_process p{argv};
  outcome r;
  r.lines = p.read_lines_until(deadline);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  auto code = p.try_wait(std::max(left, std::chrono::milliseconds(1)));
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  std::string shown;
  for (auto& a : args)
    shown += " " + a;
  BOOST_REQUIRE_MESSAGE(code, "mn" << shown << " did not end within " << o.within.count()
                                   << " ms");
  r.code = *code;
  r.err = read_file(err_file);
  BOOST_TEST_MESSAGE("mn" << shown << " -> " << r.code << " in " << r.took.count() << " ms"
                          << (r.err.empty() ? "" : ", stderr: " + r.err));
  return r;
}

// The two-node cluster most tests share (started once, stopped at exit).
cluster& shared() {
  static cluster c{2};
  static bool started = false;
  if (!started) {
    c.start_all();
    started = true;
  }
  return c;
}

std::vector<std::string> on(const std::string& address, std::vector<std::string> args) {
  args.insert(args.begin(), {"--node", address});
  return args;
}

std::string free_address() {
  return "127.0.0.1:" + std::to_string(free_ports(1)[0]);
}

// Checks the shape of a failure: exit `code`, nothing on stdout (unless
// allowed), exactly one line on stderr containing `part`.
void expect_failure(const outcome& r, int code, const std::string& part) {
  BOOST_TEST(r.code == code);
  BOOST_TEST(r.err_lines() == 1, r.err);
  BOOST_TEST(has(r.err, "mn: "));
  BOOST_TEST(has(r.err, part));
}

mn::value parse(const std::string& text) {
  auto v = mn::value::parse(text, nullptr, false);
  BOOST_TEST(!v.is_discarded(), "not JSON: " << text);
  return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli_test)

// Help, and every usage error: exit 2 with one line, before any connection
// (the --node given is a port where nothing listens).
BOOST_AUTO_TEST_CASE(help_and_usage_errors) {
  auto r = mn_run({"--help"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(has(r.out(), "exit codes:"));
  BOOST_TEST(has(r.out(), "3  unavailable"));
  BOOST_TEST(has(r.out(), "dict get|set|del|has|keys|len|incr|cas|setnx"));
  r = mn_run({"dict", "--help"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(has(r.out(), "incr NAME KEY [DELTA]"));
  BOOST_TEST(has(r.out(), "cas NAME KEY NEW EXPECTED"));
  r = mn_run({"help", "dict"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(has(r.out(), "incr NAME KEY [DELTA]"));
  r = mn_run({"job", "--help"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(has(r.out(), "cancel ID"));

  auto nowhere = free_address();
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<bad> cases{
    {{}, "missing command"},
    {{"frobnicate"}, "unknown command 'frobnicate'"},
    {{"dict"}, "mn dict: missing command"},
    {{"dict", "frob", "d", "k"}, "unknown dict command 'frob'"},
    {{"dict", "get"}, "missing dict NAME"},
    {{"dict", "get", "d"}, "missing argument"},
    {{"dict", "get", "d", "k", "extra"}, "too many arguments"},
    {{"dict", "set", "d", "k"}, "usage: mn dict set NAME KEY VALUE"},
    {{"dict", "cas", "d", "k", "1"}, "NEW_VALUE EXPECTED_VALUE"},
    {{"dict", "set", "d", "k", "{\"a\": 1"}, "is not valid JSON"},
    {{"dict", "set", "d", "k", "[1, 2"}, "is not valid JSON"},
    {{"dict", "incr", "d", "k", "abc"}, "DELTA 'abc' is not a number"},
    {{"dict", "get", "d", "k", "--prefix", "p"}, "--prefix belongs to mn dict keys"},
    {{"dict", "export"}, "usage: mn dict export NAME"},
    {{"dict", "import"}, "usage: mn dict import NAME"},
    {{"dicts", "extra"}, "too many arguments"},
    {{"call"}, "missing argument"},
    {{"call", "square", "{oops"}, "is not valid JSON"},
    {{"job"}, "mn job: missing command"},
    {{"job", "explode", "x"}, "unknown job command 'explode'"},
    {{"job", "get", "not-a-job-id"}, "is not a job id"},
    {{"job", "cancel", "spin-123-abc"}, "is not a job id"},
    {{"--bogus", "dicts"}, "unknown option '--bogus'"},
    {{"--timeout-ms", "soon", "dicts"}, "--timeout-ms 'soon'"},
    {{"dicts", "--node"}, "option --node needs a value"},
  };
  for (auto& c : cases) {
    std::string shown;
    for (auto& a : c.args)
      shown += " " + a;
    BOOST_TEST_CONTEXT("mn" << shown) {
      auto args = c.args;
      args.insert(args.begin(), {"--node", nowhere});
      if (c.args.size() >= 2 && c.args[1] == "--node")
        args = c.args; // "--node" without a value must stay last
      auto x = mn_run(args);
      expect_failure(x, 2, c.says);
      BOOST_TEST(x.lines.empty());
    }
  }
  // A malformed node address is a usage error too.
  expect_failure(mn_run({"--node", "no-port-here", "dicts"}), 2, "is not a node address");
}

BOOST_AUTO_TEST_CASE(dict_commands) {
  auto& c = shared();
  auto a = c.address(0);
  auto run = [&](std::vector<std::string> args) { return mn_run(on(a, std::move(args))); };

  // set / get: JSON values, bare words, keys with spaces and unicode.
  auto r = run({"dict", "set", "t1", "n", "42"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.lines.empty());
  BOOST_TEST(r.err.empty(), r.err);
  BOOST_TEST(run({"dict", "get", "t1", "n"}).out() == "42\n");
  BOOST_TEST(run({"dict", "set", "t1", "w", "hello"}).code == 0);
  BOOST_TEST(run({"dict", "get", "t1", "w"}).out() == "\"hello\"\n");
  BOOST_TEST(run({"dict", "set", "t1", "s", "\"42\""}).code == 0);
  BOOST_TEST(run({"dict", "get", "t1", "s"}).out() == "\"42\"\n");
  mn::value nested = {{"a", {1, 2.5, {{"b", nullptr}}}}, {"c", "été ☃"}, {"d", true}};
  BOOST_TEST(run({"dict", "set", "t1", "o", nested.dump()}).code == 0);
  BOOST_TEST(parse(run({"dict", "get", "t1", "o"}).first()) == nested);
  BOOST_TEST(run({"dict", "set", "t1", "clé à molette", "-7"}).code == 0);
  BOOST_TEST(run({"dict", "get", "t1", "clé à molette"}).out() == "-7\n");

  // get of a missing key: exit 1, one line.
  r = run({"dict", "get", "t1", "nope"});
  expect_failure(r, 1, "dict 't1' has no key 'nope'");
  BOOST_TEST(r.lines.empty());

  // has: by its exit code only.
  r = run({"dict", "has", "t1", "n"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.lines.empty());
  r = run({"dict", "has", "t1", "nope"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.lines.empty());
  BOOST_TEST(r.err.empty(), r.err);

  // del: true, then false with exit 1.
  BOOST_TEST(run({"dict", "set", "t1", "gone", "1"}).code == 0);
  r = run({"dict", "del", "t1", "gone"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "true\n");
  r = run({"dict", "del", "t1", "gone"});
  BOOST_TEST(r.out() == "false\n");
  expect_failure(r, 1, "nothing deleted");

  // len, keys (ascending by bytes), keys --prefix.
  BOOST_TEST(run({"dict", "len", "t1"}).out() == "5\n");
  BOOST_TEST(run({"dict", "keys", "t1"}).out() == "clé à molette\nn\no\ns\nw\n");
  for (auto k : {"p", "pa", "pb", "pc", "q"})
    BOOST_TEST(run({"dict", "set", "t2", k, "1"}).code == 0);
  BOOST_TEST(run({"dict", "keys", "t2", "--prefix", "p"}).out() == "p\npa\npb\npc\n");
  BOOST_TEST(run({"dict", "keys", "--prefix=pb", "t2"}).out() == "pb\n");
  BOOST_TEST(run({"dict", "keys", "t2", "--prefix", "z"}).out().empty());

  // incr: default 1, a missing key starts at 0, negative and float deltas.
  BOOST_TEST(run({"dict", "incr", "t1", "count"}).out() == "1\n");
  BOOST_TEST(run({"dict", "incr", "t1", "count", "5"}).out() == "6\n");
  BOOST_TEST(run({"dict", "incr", "t1", "count", "-2"}).out() == "4\n");
  BOOST_TEST(parse(run({"dict", "incr", "t1", "count", "0.5"}).first()) == 4.5);
  // Wrong type: exit 4, the value unchanged.
  r = run({"dict", "incr", "t1", "w"});
  expect_failure(r, 4, "type_mismatch");
  BOOST_TEST(run({"dict", "get", "t1", "w"}).out() == "\"hello\"\n");

  // cas NAME KEY NEW EXPECTED: true, or false with exit 1 and nothing changed.
  BOOST_TEST(run({"dict", "set", "t1", "x", "6"}).code == 0);
  r = run({"dict", "cas", "t1", "x", "9", "6"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "true\n");
  r = run({"dict", "cas", "t1", "x", "10", "6"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.out() == "false\n");
  BOOST_TEST(r.err.empty(), r.err);
  BOOST_TEST(run({"dict", "get", "t1", "x"}).out() == "9\n");
  BOOST_TEST(run({"dict", "cas", "t1", "absent", "1", "0"}).code == 1);
  BOOST_TEST(run({"dict", "cas", "t1", "o", "1", nested.dump()}).out() == "true\n");

  // setnx: true, then false with exit 1.
  r = run({"dict", "setnx", "t1", "y", "10"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "true\n");
  r = run({"dict", "setnx", "t1", "y", "11"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.out() == "false\n");
  BOOST_TEST(run({"dict", "get", "t1", "y"}).out() == "10\n");

  // Bad names and keys: exit 4 with the library's message.
  expect_failure(run({"dict", "get", "bad name!", "k"}), 4, "invalid_name");
  expect_failure(run({"dict", "set", "__jobs", "k", "1"}), 4, "invalid_name");
  expect_failure(run({"dict", "set", "t1", std::string(600, 'k'), "1"}), 4, "key_too_long");
  expect_failure(run({"dict", "set", "t1", "", "1"}), 4, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(json_output_parses) {
  auto& c = shared();
  auto a = c.address(0);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    return mn_run(on(a, std::move(args)));
  };
  BOOST_TEST(parse(run({"dict", "set", "j1", "k", "{\"v\":[1,\"two\"]}"}).first())
             == mn::value({{"ok", true}}));
  BOOST_TEST(parse(run({"dict", "get", "j1", "k"}).first()) == mn::value({{"v", {1, "two"}}}));
  BOOST_TEST(run({"dict", "set", "j1", "line\nbreak", "1"}).code == 0);
  auto keys = run({"dict", "keys", "j1"});
  BOOST_TEST_REQUIRE(keys.lines.size() == 2u);
  BOOST_TEST(parse(keys.lines[0]) == "k");
  BOOST_TEST(parse(keys.lines[1]) == "line\nbreak");
  BOOST_TEST(parse(run({"dict", "len", "j1"}).first()) == 2);
  BOOST_TEST(parse(run({"dict", "has", "j1", "k"}).first()) == true);
  auto missing = run({"dict", "has", "j1", "nope"});
  BOOST_TEST(missing.code == 1);
  BOOST_TEST(parse(missing.first()) == false);
  BOOST_TEST(parse(run({"dict", "incr", "j1", "n", "3"}).first()) == 3);
  BOOST_TEST(parse(run({"dict", "setnx", "j1", "n", "3"}).first()) == false);

  bool seen = false;
  auto dicts = run({"dicts"});
  BOOST_TEST(dicts.code == 0);
  for (auto& line : dicts.lines) {
    auto v = parse(line);
    BOOST_TEST(v.contains("owner"));
    if (v["name"] == "j1") {
      seen = true;
      BOOST_TEST(v["size"] == 3);
      BOOST_TEST(v["owner"] == c.ask(0, "owner j1").text);
    }
  }
  BOOST_TEST(seen);
  auto nodes = run({"nodes"});
  BOOST_TEST_REQUIRE(nodes.lines.size() == 2u);
  for (auto& line : nodes.lines) {
    auto v = parse(line);
    BOOST_TEST(v["up"] == true);
    BOOST_TEST(v["dicts"].is_array());
  }
  BOOST_TEST(parse(nodes.lines[0])["name"] == "a");
  BOOST_TEST(parse(nodes.lines[0])["address"] == c.address(0));
}

BOOST_AUTO_TEST_CASE(mn_node_environment) {
  auto& c = shared();
  auto a = c.address(1);
  BOOST_TEST(mn_run({"--node", a, "dict", "set", "env1", "k", "7"}).code == 0);
  run_options o;
  o.mn_node_env = a;
  auto r = mn_run({"dict", "get", "env1", "k"}, o);
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "7\n");
  // MN_NODE is what mn uses without --node ...
  o.mn_node_env = free_address();
  r = mn_run({"dict", "get", "env1", "k"}, o);
  expect_failure(r, 3, "cannot reach a node at " + *o.mn_node_env);
  // ... and --node wins over it.
  r = mn_run({"--node", a, "dict", "get", "env1", "k"}, o);
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "7\n");
}

// export -> import into another dict gives the same content, through a file
// and through a pipe; nested values, keys with spaces and unicode; more keys
// than a page of keys and a batch of set_many.
BOOST_AUTO_TEST_CASE(export_import_round_trip) {
  auto& c = shared();
  auto a = c.address(0);
  std::map<std::string, mn::value> want;
  for (int i = 0; i < 2500; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%05d", i);
    want[key] = mn::value{{"i", i}, {"sq", static_cast<long>(i) * i}, {"half", i / 2.0},
                          {"tags", {"t" + std::to_string(i % 7), nullptr, i % 2 == 0}}};
  }
  want["with space"] = "a b c";
  want["ünïcødé ключ 鍵 🎉"] = mn::value{{"ok", {{"deep", {{"deeper", {1, {2, {3}}}}}}}}};
  want["quote\"back\\slash"] = "\"\\";
  want["tab\tand\nnewline"] = mn::value::array();
  want["big"] = std::numeric_limits<int64_t>::max();
  want["small"] = std::numeric_limits<int64_t>::min();
  want["empty object"] = mn::value::object();
  want["null"] = nullptr;
  want["float"] = 0.1;
  std::string input;
  for (auto& [k, v] : want)
    input += mn::value{{"key", k}, {"value", v}}.dump() + "\n";
  input += "\n"; // a blank line is allowed

  run_options from_file;
  from_file.stdin_file = write_file(input);
  auto r = mn_run(on(a, {"dict", "import", "src"}), from_file);
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out() == "imported " + std::to_string(want.size()) + " items into 'src'\n");
  BOOST_TEST(r.err.empty(), r.err); // no progress bar when stderr is no terminal

  auto exported = mn_run(on(a, {"dict", "export", "src"}));
  BOOST_TEST(exported.code == 0, exported.err);
  BOOST_TEST_REQUIRE(exported.lines.size() == want.size());
  std::map<std::string, mn::value> got;
  std::string previous;
  for (auto& line : exported.lines) {
    auto v = parse(line);
    BOOST_TEST(v.size() == 2u);
    auto k = v["key"].get<std::string>();
    BOOST_TEST((previous < k)); // ascending
    previous = k;
    got[k] = v["value"];
  }
  BOOST_TEST((got == want));

  // Into another dict through a pipe; its export is the same text.
  run_options piped;
  piped.stdin_file = write_file(exported.out());
  piped.pipe = true;
  r = mn_run(on(a, {"--json", "dict", "import", "dst"}), piped);
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(parse(r.first()) == mn::value({{"imported", want.size()}}));
  auto again = mn_run(on(c.address(1), {"dict", "export", "dst"}));
  BOOST_TEST(again.code == 0);
  BOOST_TEST((again.lines == exported.lines));
  BOOST_TEST(mn_run(on(a, {"dict", "len", "dst"})).out() == std::to_string(want.size()) + "\n");
  // keys pages past 1000 keys, and --prefix across pages.
  auto keys = mn_run(on(a, {"--json", "dict", "keys", "dst"})); // a key holds a newline
  BOOST_TEST(keys.lines.size() == want.size());
  BOOST_TEST(mn_run(on(a, {"dict", "keys", "dst", "--prefix", "k01"})).lines.size() == 1000u);
  // An empty (never used) dict exports nothing.
  auto none = mn_run(on(a, {"dict", "export", "never_used"}));
  BOOST_TEST(none.code == 0);
  BOOST_TEST(none.lines.empty());
}

// Values JSON cannot hold (bytes) survive export -> import (value_msgpack).
BOOST_AUTO_TEST_CASE(import_reads_escaped_forms) {
  auto& c = shared();
  auto a = c.address(0);
  mn::value bytes = mn::value::binary({0, 1, 2, 255});
  auto packed = mn::value::to_msgpack(bytes);
  std::string b64;
  {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < packed.size(); i += 3) {
      uint32_t n = (packed[i] << 16) | (packed[i + 1] << 8) | packed[i + 2];
      for (int s = 18; s >= 0; s -= 6)
        b64 += t[(n >> s) & 63];
    }
    if (i < packed.size()) {
      uint32_t n = packed[i] << 16;
      if (i + 1 < packed.size())
        n |= packed[i + 1] << 8;
      b64 += t[(n >> 18) & 63];
      b64 += t[(n >> 12) & 63];
      b64 += i + 1 < packed.size() ? t[(n >> 6) & 63] : '=';
      b64 += '=';
    }
  }
  run_options o;
  o.stdin_file = write_file("{\"key\": \"blob\", \"value_msgpack\": \"" + b64 + "\"}\n"
                            "{\"key_base64\": \"aGk=\", \"value\": 1}\n");
  auto r = mn_run(on(a, {"dict", "import", "esc"}), o);
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(mn_run(on(a, {"dict", "get", "esc", "hi"})).out() == "1\n");
  auto exported = mn_run(on(a, {"dict", "export", "esc"}));
  BOOST_TEST_REQUIRE(exported.lines.size() == 2u);
  BOOST_TEST(exported.lines[0] == "{\"key\":\"blob\",\"value_msgpack\":\"" + b64 + "\"}");
  BOOST_TEST(exported.lines[1] == "{\"key\":\"hi\",\"value\":1}");
}

// A bad line anywhere: exit 2 naming the line, and nothing imported.
BOOST_AUTO_TEST_CASE(import_refuses_bad_input_whole) {
  auto& c = shared();
  auto a = c.address(0);
  BOOST_TEST(mn_run(on(a, {"dict", "set", "bad_imp", "keep", "1"})).code == 0);
  std::string good = "{\"key\": \"g1\", \"value\": 1}\n{\"key\": \"g2\", \"value\": [2]}\n";
  struct bad {
    std::string line;
    std::string says;
  };
  std::vector<bad> cases{
    {"{\"key\": \"x\", \"value\": }", "line 3: not valid JSON"},
    {"[1, 2]", "line 3: not a JSON object"},
    {"{\"key\": \"x\"}", "line 3: a line needs exactly one \"key\" and one \"value\""},
    {"{\"key\": 5, \"value\": 1}", "line 3: \"key\" is not a string"},
    {"{\"key\": \"\", \"value\": 1}", "line 3: the key is empty"},
    {"{\"key\": \"" + std::string(600, 'x') + "\", \"value\": 1}", "line 3: the key is 600 bytes"},
    {"{\"key\": \"x\", \"value\": 1, \"extra\": 2}", "line 3: unknown field \"extra\""},
    {"{\"key\": \"x\", \"value_msgpack\": \"!!\"}", "line 3: \"value_msgpack\" is not base64"},
    // 100,000 nested lists used to overflow mn's stack while measuring the value.
    {"{\"key\": \"x\", \"value\": " + std::string(100000, '[') + std::string(100000, ']') + "}",
     "line 3: the value nests lists and maps deeper than 512 levels"},
  };
  for (bool pipe : {false, true}) {
    for (auto& b : cases) {
      BOOST_TEST_CONTEXT((pipe ? "pipe: " : "file: ") << b.line.substr(0, 60)) {
        run_options o;
        o.pipe = pipe;
        o.stdin_file = write_file(good + b.line + "\n{\"key\": \"g4\", \"value\": 4}\n");
        auto r = mn_run(on(a, {"dict", "import", "bad_imp"}), o);
        expect_failure(r, 2, b.says);
        BOOST_TEST(has(r.err, "nothing was imported"));
      }
    }
  }
  BOOST_TEST(mn_run(on(a, {"dict", "keys", "bad_imp"})).out() == "keep\n");
  // An invalid dict name is found before anything is stored: exit 4.
  run_options o;
  o.stdin_file = write_file(good);
  expect_failure(mn_run(on(a, {"dict", "import", "no good"}), o), 4, "invalid_name");
}

// With stderr a terminal (script(1) gives it one), export and import draw a
// progress bar there; stdout stays clean.
BOOST_AUTO_TEST_CASE(progress_bar_on_a_terminal) {
  if (::access("/usr/bin/script", X_OK) != 0) {
    BOOST_TEST_MESSAGE("no /usr/bin/script: skipped");
    return;
  }
  auto& c = shared();
  auto a = c.address(0);
  std::string input;
  for (int i = 0; i < 20000; ++i)
    input += "{\"key\":\"p" + std::to_string(i) + "\",\"value\":" + std::to_string(i) + "}\n";
  auto in = write_file(input);
  auto out = scratch() / "progress-export.jsonl";
  auto cmd = std::string{MN_CLI} + " --node " + a + " dict import big <" + in + " >/dev/null && "
             + MN_CLI + " --node " + a + " dict export big >" + out;
  child_process p{{"/usr/bin/script", "-qec", cmd, "/dev/null"}};
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (auto line = p.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
           deadline - std::chrono::steady_clock::now())))
    seen += *line + "\n";
  BOOST_TEST(p.wait(5s) == 0);
  BOOST_TEST(has(seen, "export big ["));
  BOOST_TEST(has(seen, "20000/20000"));
  auto text = read_file(out);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 20000);
}

BOOST_AUTO_TEST_CASE(cluster_listing) {
  auto& c = shared();
  auto a = c.address(0);
  BOOST_TEST(mn_run(on(a, {"dict", "set", "listed", "k", "1"})).code == 0);
  auto owner = c.ask(0, "owner listed").text;
  auto r = mn_run(on(a, {"dicts"}));
  BOOST_TEST(r.code == 0);
  BOOST_TEST(has(r.first(), "NAME"));
  bool seen = false;
  for (auto& line : r.lines) {
    std::istringstream in{line};
    std::string name, who, size;
    in >> name >> who >> size;
    if (name == "listed") {
      seen = true;
      BOOST_TEST(who == owner);
      BOOST_TEST(size == "1");
    }
  }
  BOOST_TEST(seen);
  r = mn_run(on(a, {"nodes"}));
  BOOST_TEST(r.code == 0);
  BOOST_TEST_REQUIRE(r.lines.size() == 3u);
  BOOST_TEST(has(r.lines[0], "STATUS"));
  for (int i = 0; i < 2; ++i) {
    std::istringstream in{r.lines[1 + i]};
    std::string name, address, status;
    in >> name >> address >> status;
    BOOST_TEST(name == c.name(i));
    BOOST_TEST(address == c.address(i));
    BOOST_TEST(status == "up");
  }
  BOOST_TEST(has(r.lines[1 + c.index_of(owner)], "listed"));
}

BOOST_AUTO_TEST_CASE(functions_and_jobs) {
  auto& c = shared();
  auto a = c.address(0);
  auto run = [&](std::vector<std::string> args) { return mn_run(on(a, std::move(args))); };
  BOOST_TEST(run({"call", "square", "7"}).out() == "49\n");
  auto who = run({"call", "whoami"}).first();
  BOOST_TEST((who == "\"a\"" || who == "\"b\""), who);
  auto r = run({"call", "boom", "{\"x\":1}"});
  expect_failure(r, 4, "boom");
  BOOST_TEST(has(r.err, "function_failed"));
  expect_failure(run({"call", "nosuch", "1"}), 4, "unknown_function");

  // A job: start, get, list, cancel.
  r = run({"job", "start", "spin", "30"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto id = r.first();
  BOOST_TEST(id.rfind("spin-", 0) == 0, id);
  BOOST_TEST(id.size() == 25u);
  auto rec = parse(mn_run(on(a, {"--json", "job", "get", id})).first());
  BOOST_TEST(rec["id"] == id);
  BOOST_TEST(rec["name"] == "spin");
  BOOST_TEST(rec["input"] == 30);
  BOOST_TEST((rec["status"] == "PENDING" || rec["status"] == "RUNNING"), rec.dump());
  BOOST_TEST(rec["created"].get<std::string>().back() == 'Z');
  auto text = run({"job", "get", id});
  BOOST_TEST(text.code == 0);
  BOOST_TEST(has(text.out(), "status:"));
  BOOST_TEST(has(text.out(), "spin"));
  auto list = run({"job", "list", "spin"});
  BOOST_TEST(has(list.out(), id));
  auto list_json = mn_run(on(a, {"--json", "job", "list", "spin"}));
  BOOST_TEST_REQUIRE(!list_json.lines.empty());
  BOOST_TEST(parse(list_json.lines.back())["id"] == id);
  r = run({"job", "cancel", id});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "true\n");
  std::string status;
  for (auto end = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < end;) {
    status = parse(mn_run(on(a, {"--json", "job", "get", id})).first())["status"].get<std::string>();
    if (status == "CANCELLED")
      break;
    std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(status == "CANCELLED");
  r = run({"job", "cancel", id});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out() == "false (already CANCELLED)\n");
  // Unknown ids and names.
  expect_failure(run({"job", "get", "spin-0000000000000-000000"}), 4, "job_not_found");
  expect_failure(run({"job", "cancel", "spin-0000000000000-000000"}), 4, "job_not_found");
  expect_failure(run({"job", "start", "nosuchjob", "1"}), 4, "unknown_function");
  // (that start left a record: FAILED, could not be started)
  auto failed = run({"job", "list", "nosuchjob"});
  BOOST_TEST_REQUIRE(failed.lines.size() == 2u);
  BOOST_TEST(has(failed.lines[1], "FAILED"));
}

BOOST_AUTO_TEST_CASE(schedules_listing) {
  auto& c = shared();
  BOOST_TEST(c.ask(0, "sched tick 1000").ok);
  BOOST_TEST(c.ask(1, "sched tick 1000").ok);
  mn::value tick;
  for (auto end = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < end;) {
    auto r = mn_run(on(c.address(0), {"--json", "schedules"}));
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    for (auto& line : r.lines)
      if (auto v = parse(line); v["name"] == "tick")
        tick = v;
    if (tick.is_object() && tick["runs"].get<long>() >= 1 && tick["last_outcome"] == "succeeded")
      break;
    std::this_thread::sleep_for(200ms);
  }
  BOOST_TEST_REQUIRE(tick.is_object());
  BOOST_TEST(tick["runs"].get<long>() >= 1);
  BOOST_TEST(has(tick["spec"].get<std::string>(), "every 1000 ms"));
  BOOST_TEST(tick["next_due"].get<std::string>().back() == 'Z');
  BOOST_TEST(tick["last_run"].get<std::string>().back() == 'Z');
  BOOST_TEST((tick["last_node"] == "a" || tick["last_node"] == "b"));
  auto r = mn_run(on(c.address(1), {"schedules"}));
  BOOST_TEST(r.code == 0);
  BOOST_TEST_REQUIRE(r.lines.size() >= 2u);
  BOOST_TEST(has(r.lines[0], "NEXT DUE"));
  BOOST_TEST(has(r.out(), "tick"));
  BOOST_TEST(has(r.out(), "every 1000 ms"));
}

// Node down: nothing at --node (exit 3, fast), and a dict whose owner is
// down (exit 3 within the timeout), while the other node's dicts work and
// mn nodes says which is down.
BOOST_AUTO_TEST_CASE(node_down) {
  auto r = mn_run({"--node", free_address(), "dict", "get", "x", "k"}, {"/dev/null", false, {}, 20s});
  expect_failure(r, 3, "cannot reach a node at");
  BOOST_TEST(r.took.count() < 15000);
  {
    // Something listens there, but it is no node: exit 3 within the timeouts.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    BOOST_TEST_REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    auto mute = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    r = mn_run({"--node", mute, "--timeout-ms", "1000", "dicts"}, {"/dev/null", false, {}, 30s});
    ::close(fd);
    expect_failure(r, 3, "cannot reach a node at " + mute);
    BOOST_TEST(r.took.count() < 15000);
  }

  cluster c{2};
  c.start_all();
  auto a = c.address(0);
  auto on_b = c.dict_owned_by(1, "down_b");
  auto on_a = c.dict_owned_by(0, "down_a");
  BOOST_TEST(mn_run(on(a, {"dict", "set", on_b, "k", "1"})).code == 0);
  BOOST_TEST(mn_run(on(a, {"dict", "set", on_a, "k", "2"})).code == 0);
  c.kill(1, SIGKILL);
  r = mn_run(on(a, {"--timeout-ms", "2000", "dict", "get", on_b, "k"}), {"/dev/null", false, {}, 30s});
  expect_failure(r, 3, "unavailable");
  BOOST_TEST(r.took.count() < 20000);
  r = mn_run(on(a, {"--timeout-ms", "2000", "dict", "incr", on_b, "k"}), {"/dev/null", false, {}, 30s});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(mn_run(on(a, {"dict", "get", on_a, "k"})).out() == "2\n");
  // export and import of its dicts say what happened, exit 3.
  r = mn_run(on(a, {"--timeout-ms", "2000", "dict", "export", on_b}), {"/dev/null", false, {}, 30s});
  expect_failure(r, 3, "stopped after 0 items, so the output is incomplete");
  run_options in;
  in.stdin_file = write_file("{\"key\": \"k\", \"value\": 5}\n");
  in.within = 30s;
  r = mn_run(on(a, {"--timeout-ms", "2000", "dict", "import", on_b}), in);
  expect_failure(r, 3, "nothing was imported; running the import again is safe");
  r = mn_run(on(a, {"--timeout-ms", "2000", "nodes"}), {"/dev/null", false, {}, 30s});
  BOOST_TEST(r.code == 0);
  BOOST_TEST_REQUIRE(r.lines.size() == 3u);
  BOOST_TEST(has(r.lines[1], "up"));
  BOOST_TEST(has(r.lines[2], "down"));
  // Back up: the data is all there.
  c.start(1);
  std::string got;
  for (auto end = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < end && got != "1";) {
    got = mn_run(on(a, {"dict", "get", on_b, "k"})).first();
    if (got != "1")
      std::this_thread::sleep_for(200ms);
  }
  BOOST_TEST(got == "1");
  // Frozen (SIGSTOP): no answer, so a timeout, exit 3 within about --timeout-ms.
  c.kill(1, SIGSTOP);
  r = mn_run(on(a, {"--timeout-ms", "1000", "dict", "get", on_b, "k"}), {"/dev/null", false, {}, 30s});
  expect_failure(r, 3, "");
  BOOST_TEST(r.took.count() < 15000);
  r = mn_run(on(a, {"--timeout-ms", "1000", "--json", "nodes"}), {"/dev/null", false, {}, 30s});
  BOOST_TEST(r.code == 0);
  BOOST_TEST_REQUIRE(r.lines.size() == 2u);
  BOOST_TEST(parse(r.lines[1])["up"] == false);
  BOOST_TEST(!parse(r.lines[1])["error"].get<std::string>().empty());
  c.kill(1, SIGCONT);
}

BOOST_AUTO_TEST_SUITE_END()
