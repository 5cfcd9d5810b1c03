#pragma once
// Histories of dict operations made by concurrent clients (real processes),
// one text line per operation, and checkers that judge a history: counters
// within the bounds their increments allow, one set_if_absent winner per key,
// acknowledged writes still there at the end, and linearizability of each key
// as a register (a Wing & Gong search with Lowe's memoization).
//
// Times are CLOCK_MONOTONIC nanoseconds (std::chrono::steady_clock), which on
// Linux is one clock for every process of the machine, so the records of
// several processes can be compared.
//
// Values are kept as JSON text (mn::value::dump()): two values are the same
// when their texts are. Depends on no test framework.
#include <mn/errc.hpp>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mn::test::history {

enum class op_kind { get, set, erase, incr, cas, setnx };

/// How an operation ended, as far as its client can tell.
enum class outcome {
  ok,      ///< answered; `result` holds the answer
  fail,    ///< refused with an error that guarantees nothing was written
  unknown, ///< no answer (timeout, unavailable, crash): it may or may not have applied
};

/// Completion time of an operation that may take effect at any later time.
constexpr int64_t never = std::numeric_limits<int64_t>::max();

/// One operation of one client.
struct op {
  int client = 0;
  std::string node = "?"; ///< the node that served it (the dict's owner), "?" if unknown
  op_kind kind = op_kind::get;
  std::string dict;
  std::string key;
  /// JSON text: the value of set / setnx, the new value of cas, the delta of incr.
  std::optional<std::string> arg;
  /// JSON text: the expected current value of cas.
  std::optional<std::string> expected;
  int64_t invoke_ns = 0;   ///< just before the call
  int64_t complete_ns = 0; ///< just after it returned or threw
  outcome out = outcome::ok;
  /// The answer (JSON text): get: the value, nullopt when absent; incr: the new
  /// value; erase / cas / setnx: "true" or "false"; set: nullopt.
  std::optional<std::string> result;
  std::string error; ///< the error's name when out != ok
};

/// steady_clock now, in ns.
int64_t now_ns();
/// What an mn error code says about the operation that got it: fail for the
/// codes that come before anything is written (bad input, key missing, type
/// mismatch, overflow), unknown for the others (unavailable, timeout,
/// storage failures: the write may have been applied).
outcome classify(mn::errc code);

const char* to_string(op_kind k);
const char* to_string(outcome o);
/// Errors: std::invalid_argument naming the bad word.
op_kind kind_from_string(const std::string& s);

/// One line, no newline, of space-separated fields:
///   client node kind dict key arg expected invoke_ns complete_ns outcome result error
/// Optional fields are "~" when absent, else "=" followed by the text with
/// '%', spaces, tabs, CR and LF written as %XX.
std::string to_line(const op& x);
/// Errors: std::invalid_argument saying which field is bad.
op from_line(const std::string& line);

/// Appends records to a file, one flushed line per record, so that a process
/// killed at any time leaves whole lines (a torn last line is skipped by
/// read_file). Errors: std::runtime_error when the file cannot be opened.
class writer {
public:
  explicit writer(const std::string& path);
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  void write(const op& x);

private:
  std::FILE* f_ = nullptr;
};

/// Every record of `path`. A last line without newline (the writer was killed
/// mid-line) is skipped. Errors: std::runtime_error naming the file and line.
std::vector<op> read_file(const std::string& path);

/// A self-checking string value "c<client>:s<seq>:<payload>:<fnv1a-32 hex>",
/// with a random payload of 8 to 40 letters.
std::string make_value(int client, long seq, std::mt19937_64& rng);
/// true when `raw` has that shape and its checksum matches.
bool well_formed(const std::string& raw);

/// The judgement of a checker.
struct verdict {
  enum class kind { ok, violation, undecided };
  kind status = kind::ok;
  /// Empty when ok; else the first violation (or why it is undecided), with
  /// the records involved.
  std::string explanation;
  std::size_t keys = 0;   ///< keys judged
  std::size_t ops = 0;    ///< operations judged
  long search_nodes = 0;  ///< configurations the linearizability search visited
  bool ok() const { return status == kind::ok; }
};

/// Every value in the history (arguments and answers, except incr deltas and
/// results) and every answer of a key for which `is_counter(key)` must be:
/// a JSON integer for counters, a JSON string that is well_formed() otherwise.
verdict check_well_formed(const std::vector<op>& h, bool (*is_counter)(const std::string& key));

/// Counters (keys written only by incr with an initial value of 0, read by get).
/// Every value read (get answers and incr results) must lie within the sums
/// the increments allow: at least the sum of the acknowledged increments that
/// completed before the read began plus the negative deltas of those that may
/// have applied (invoked before the read ended, unknown or concurrent), at most
/// that plus their positive deltas; when few enough may have applied, the value
/// must also be the must-sum plus the deltas of some subset of them. An absent
/// key is read as "no increment applied".
verdict check_counters(const std::vector<op>& h);

/// set_if_absent keys (written only by setnx, read by get): at most one
/// acknowledged winner per key; every value read is the argument of the
/// acknowledged winner, or of an attempt with an unknown outcome when nobody
/// was acknowledged; all reads that find a value agree; a key that was seen
/// present (a read, a winner, or an attempt told "false") is never read
/// absent afterwards; an attempt told "false" had a possible winner before it.
verdict check_setnx(const std::vector<op>& h);

/// Single-writer keys (each written by one client, in sequence): the last
/// read (normally the final read after the workload stopped) must find the
/// effect of the last acknowledged write before it (set: its value; erase:
/// absent; cas / setnx that answered true: their value), or the effect of a
/// write whose outcome is unknown. A cas or setnx that answered false wrote
/// nothing. Keys with no read after their writes are not judged.
verdict check_last_write(const std::vector<op>& h);

/// Linearizability of each key as a register (absent at first) with get, set,
/// erase, cas, setnx and incr (from 0 when absent): is there a total order of
/// the operations, consistent with real time (an operation that completed
/// before another was invoked comes first), in which every answer is the one a
/// register would give? Failed operations are left out; an unknown one may
/// take effect at any time after its invocation, or never. A key whose search
/// visits more than `node_budget` configurations is "undecided".
verdict check_linearizable(const std::vector<op>& h, long node_budget = 2'000'000);

/// The operations for which `pred(x)` holds.
template <class Pred>
std::vector<op> select(const std::vector<op>& h, Pred pred) {
  std::vector<op> out;
  for (const auto& x : h)
    if (pred(x))
      out.push_back(x);
  return out;
}

/// A short summary of a verdict, e.g. "ok (12 keys, 3400 ops)".
std::string describe(const verdict& v);

} // namespace mn::test::history
