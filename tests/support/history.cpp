#include "support/history.hpp"

#include <mn/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace mn::test::history {

// --- records ----------------------------------------------------------------

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

outcome classify(mn::errc code) {
  switch (code) {
    case errc::none:
      return outcome::ok;
    case errc::key_missing:
    case errc::type_mismatch:
    case errc::overflow:
    case errc::invalid_argument:
    case errc::key_too_long:
    case errc::value_too_large:
    case errc::invalid_name:
    case errc::bad_config:
      return outcome::fail;
    default: // unavailable, timeout, storage_failure, corrupted, ...
      return outcome::unknown;
  }
}

namespace {

const char* kind_names[] = {"get", "set", "erase", "incr", "cas", "setnx"};
const char* outcome_names[] = {"ok", "fail", "unknown"};

std::string enc(const std::optional<std::string>& s) {
  if (!s)
    return "~";
  std::string out = "=";
  for (unsigned char c : *s) {
    if (c == '%' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::optional<std::string> dec(const std::string& f, const char* what) {
  if (f == "~")
    return std::nullopt;
  if (f.empty() || f[0] != '=')
    throw std::invalid_argument(std::string{"field '"} + what + "' must be '~' or start with '=', not '"
                                + f + "'");
  std::string out;
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    int hi = i + 2 < f.size() ? hex_digit(f[i + 1]) : -1;
    int lo = i + 2 < f.size() ? hex_digit(f[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw std::invalid_argument(std::string{"field '"} + what + "' has a bad %XX escape: '" + f
                                  + "'");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

int64_t to_int(const std::string& f, const char* what) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(f, &used);
    if (used == f.size())
      return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(std::string{"field '"} + what + "' must be an integer, not '" + f
                              + "'");
}

// An integer in JSON text (no fraction, no exponent), or nullopt.
std::optional<int64_t> json_int(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size())
    return std::nullopt;
  for (std::size_t j = i; j < text.size(); ++j)
    if (text[j] < '0' || text[j] > '9')
      return std::nullopt;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string hex8(uint32_t x) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", x);
  return buf;
}

} // namespace

const char* to_string(op_kind k) {
  return kind_names[static_cast<int>(k)];
}

const char* to_string(outcome o) {
  return outcome_names[static_cast<int>(o)];
}

op_kind kind_from_string(const std::string& s) {
  for (int i = 0; i < 6; ++i)
    if (s == kind_names[i])
      return static_cast<op_kind>(i);
  throw std::invalid_argument("unknown operation kind '" + s
                              + "' (expected get, set, erase, incr, cas or setnx)");
}

std::string to_line(const op& x) {
  std::string out;
  out += std::to_string(x.client);
  out += ' ' + enc(x.node);
  out += ' ';
  out += to_string(x.kind);
  out += ' ' + enc(x.dict);
  out += ' ' + enc(x.key);
  out += ' ' + enc(x.arg);
  out += ' ' + enc(x.expected);
  out += ' ' + std::to_string(x.invoke_ns);
  out += ' ' + std::to_string(x.complete_ns);
  out += ' ';
  out += to_string(x.out);
  out += ' ' + enc(x.result);
  out += ' ' + enc(x.error.empty() ? std::nullopt : std::optional<std::string>{x.error});
  return out;
}

op from_line(const std::string& line) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (;;) {
    auto sp = line.find(' ', start);
    f.push_back(line.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    if (sp == std::string::npos)
      break;
    start = sp + 1;
  }
  if (f.size() != 12)
    throw std::invalid_argument("a record has 12 space-separated fields, this one has "
                                + std::to_string(f.size()));
  op x;
  x.client = static_cast<int>(to_int(f[0], "client"));
  x.node = dec(f[1], "node").value_or("?");
  x.kind = kind_from_string(f[2]);
  x.dict = dec(f[3], "dict").value_or("");
  x.key = dec(f[4], "key").value_or("");
  x.arg = dec(f[5], "arg");
  x.expected = dec(f[6], "expected");
  x.invoke_ns = to_int(f[7], "invoke_ns");
  x.complete_ns = to_int(f[8], "complete_ns");
  if (f[9] == "ok")
    x.out = outcome::ok;
  else if (f[9] == "fail")
    x.out = outcome::fail;
  else if (f[9] == "unknown")
    x.out = outcome::unknown;
  else
    throw std::invalid_argument("field 'outcome' must be ok, fail or unknown, not '" + f[9] + "'");
  x.result = dec(f[10], "result");
  x.error = dec(f[11], "error").value_or("");
  return x;
}

writer::writer(const std::string& path) {
  f_ = std::fopen(path.c_str(), "a");
  if (!f_)
    throw std::runtime_error("cannot open history file '" + path + "': " + std::strerror(errno));
}

writer::~writer() {
  if (f_)
    std::fclose(f_);
}

void writer::write(const op& x) {
  auto line = to_line(x);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

std::vector<op> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read history file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<op> out;
  std::size_t start = 0;
  long number = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos)
      break; // torn last line: its writer died mid-write
    ++number;
    auto line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.empty())
      continue;
    try {
      out.push_back(from_line(line));
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return out;
}

std::string make_value(int client, long seq, std::mt19937_64& rng) {
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string payload;
  auto len = 8 + rng() % 33;
  for (std::size_t i = 0; i < len; ++i)
    payload += letters[rng() % (sizeof letters - 1)];
  auto body = "c" + std::to_string(client) + ":s" + std::to_string(seq) + ":" + payload;
  return body + ":" + hex8(fnv1a(body));
}

bool well_formed(const std::string& raw) {
  // c<digits>:s<digits>:<payload>:<8 hex>
  auto last = raw.rfind(':');
  if (last == std::string::npos || raw.size() - last - 1 != 8)
    return false;
  auto body = raw.substr(0, last);
  if (hex8(fnv1a(body)) != raw.substr(last + 1))
    return false;
  auto a = body.find(':');
  auto b = a == std::string::npos ? a : body.find(':', a + 1);
  if (b == std::string::npos || body[0] != 'c' || body[a + 1] != 's')
    return false;
  auto digits = [&](std::size_t from, std::size_t to) {
    if (from >= to)
      return false;
    for (auto i = from; i < to; ++i)
      if (body[i] < '0' || body[i] > '9')
        return false;
    return true;
  };
  return digits(1, a) && digits(a + 2, b) && b + 1 < body.size();
}

std::string describe(const verdict& v) {
  std::ostringstream out;
  out << (v.status == verdict::kind::ok          ? "ok"
          : v.status == verdict::kind::violation ? "VIOLATION"
                                                 : "undecided")
      << " (" << v.keys << " keys, " << v.ops << " ops";
  if (v.search_nodes)
    out << ", " << v.search_nodes << " search nodes";
  out << ")";
  if (!v.explanation.empty())
    out << ": " << v.explanation;
  return out.str();
}

// --- checkers -----------------------------------------------------------------

namespace {

std::string seconds(int64_t ns) {
  if (ns == never)
    return "never";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6fs", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string show(const std::optional<std::string>& v) {
  return v ? *v : "(absent)";
}

// "client 3 on b: cas(d/k, new=..., expected=...) -> true [from .. to ..]"
std::string describe_op(const op& x) {
  std::ostringstream out;
  out << "client " << x.client << " on " << x.node << ": " << to_string(x.kind) << "(" << x.dict
      << "/" << x.key;
  if (x.kind == op_kind::cas)
    out << ", new=" << show(x.arg) << ", expected=" << show(x.expected);
  else if (x.arg)
    out << ", " << *x.arg;
  out << ") -> ";
  if (x.out == outcome::ok)
    out << (x.kind == op_kind::set ? "ok" : show(x.result));
  else
    out << to_string(x.out) << " (" << x.error << ")";
  out << " [" << seconds(x.invoke_ns) << " .. " << seconds(x.complete_ns) << "]";
  return out.str();
}

using key_id = std::pair<std::string, std::string>;

// The operations of each (dict, key), in the order of the history.
std::map<key_id, std::vector<const op*>> by_key(const std::vector<op>& h) {
  std::map<key_id, std::vector<const op*>> out;
  for (const auto& x : h)
    out[{x.dict, x.key}].push_back(&x);
  return out;
}

std::string key_name(const key_id& k) {
  return k.first + "/" + k.second;
}

verdict violation(verdict v, std::string why) {
  v.status = verdict::kind::violation;
  v.explanation = std::move(why);
  return v;
}

bool is_true(const std::optional<std::string>& r) {
  return r && *r == "true";
}

} // namespace

verdict check_well_formed(const std::vector<op>& h, bool (*is_counter)(const std::string& key)) {
  verdict v;
  std::set<key_id> keys;
  for (const auto& x : h) {
    keys.insert({x.dict, x.key});
    ++v.ops;
    bool counter = is_counter(x.key);
    auto judge = [&](const std::optional<std::string>& text, const char* what) -> std::string {
      if (!text)
        return {};
      if (counter) {
        if (!json_int(*text))
          return std::string{what} + " " + *text + " of counter key is not a JSON integer";
        return {};
      }
      mn::value parsed = mn::value::parse(*text, nullptr, false);
      if (!parsed.is_string())
        return std::string{what} + " " + *text + " is not a JSON string";
      if (!well_formed(parsed.get<std::string>()))
        return std::string{what} + " " + *text + " is not well formed (bad shape or checksum)";
      return {};
    };
    std::string bad;
    if (x.kind == op_kind::set || x.kind == op_kind::setnx || x.kind == op_kind::cas)
      bad = judge(x.arg, "argument");
    if (bad.empty() && x.kind == op_kind::cas)
      bad = judge(x.expected, "expected value");
    if (bad.empty() && x.out == outcome::ok && (x.kind == op_kind::get || x.kind == op_kind::incr))
      bad = judge(x.result, "value read");
    if (!bad.empty()) {
      v.keys = keys.size();
      return violation(v, bad + ": " + describe_op(x));
    }
  }
  v.keys = keys.size();
  return v;
}

verdict check_counters(const std::vector<op>& h) {
  verdict v;
  for (const auto& [k, ops] : by_key(h)) {
    ++v.keys;
    struct incr {
      const op* x;
      int64_t delta;
      bool acked;
    };
    std::vector<incr> incrs;
    for (const op* x : ops) {
      if (x->kind != op_kind::incr || x->out == outcome::fail)
        continue;
      auto d = x->arg ? json_int(*x->arg) : std::nullopt;
      if (!d)
        return violation(v, "counter " + key_name(k) + ": increment without an integer delta: "
                              + describe_op(*x));
      incrs.push_back({x, *d, x->out == outcome::ok});
    }
    for (const op* r : ops) {
      ++v.ops;
      if (r->kind != op_kind::get && r->kind != op_kind::incr)
        return violation(v, "counter " + key_name(k) + ": only incr and get are expected on "
                                                       "counters, found "
                              + describe_op(*r));
      if (r->out != outcome::ok)
        continue;
      // `r` is a read: a get, or an acknowledged incr (which sees itself).
      int64_t must = 0;
      long must_count = 0;
      std::vector<int64_t> may;
      for (const auto& i : incrs) {
        if (i.x == r) {
          must += i.delta;
          ++must_count;
        } else if (i.acked && i.x->complete_ns < r->invoke_ns) {
          must += i.delta;
          ++must_count;
        } else if (i.x->invoke_ns <= r->complete_ns) {
          may.push_back(i.delta);
        }
      }
      if (!r->result) {
        if (must_count > 0)
          return violation(v, "counter " + key_name(k) + " read absent, but "
                                + std::to_string(must_count)
                                + " acknowledged increments had completed before the read: "
                                + describe_op(*r));
        continue;
      }
      auto value = json_int(*r->result);
      if (!value)
        return violation(v, "counter " + key_name(k) + " read a value that is not an integer: "
                              + describe_op(*r));
      int64_t lo = must, hi = must;
      for (auto d : may)
        (d < 0 ? lo : hi) += d;
      auto bounds = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "] (sum "
                    + std::to_string(must) + " of " + std::to_string(must_count)
                    + " increments acknowledged before it, " + std::to_string(may.size())
                    + " others may have applied)";
      if (*value < lo || *value > hi)
        return violation(v, "counter " + key_name(k) + " read " + std::to_string(*value)
                              + " outside the bounds the increments allow, " + bounds + ": "
                              + describe_op(*r));
      // Exact: value - must must be a sum of some of `may`.
      int64_t range = hi - lo;
      if (range > 0 && static_cast<double>(range) * static_cast<double>(may.size()) <= 3e5) {
        std::vector<char> reach(static_cast<std::size_t>(range) + 1, 0);
        int64_t neg = lo - must; // offset of "no delta" in `reach`
        reach[static_cast<std::size_t>(-neg)] = 1;
        for (auto d : may) {
          if (d >= 0) {
            for (int64_t s = range - d; s >= 0; --s)
              if (reach[s])
                reach[s + d] = 1;
          } else {
            for (int64_t s = -d; s <= range; ++s)
              if (reach[s])
                reach[s + d] = 1;
          }
        }
        if (!reach[static_cast<std::size_t>(*value - lo)])
          return violation(v, "counter " + key_name(k) + " read " + std::to_string(*value)
                                + ", which no subset of the increments that may have applied "
                                  "gives, "
                                + bounds + ": " + describe_op(*r));
      } else if (range == 0 && *value != lo) {
        return violation(v, "counter " + key_name(k) + " read " + std::to_string(*value)
                              + " instead of " + std::to_string(lo) + ": " + describe_op(*r));
      }
    }
  }
  return v;
}

verdict check_setnx(const std::vector<op>& h) {
  verdict v;
  for (const auto& [k, ops] : by_key(h)) {
    ++v.keys;
    const op* winner = nullptr;
    std::vector<const op*> possible; // attempts that may have won
    for (const op* x : ops) {
      ++v.ops;
      if (x->kind != op_kind::setnx && x->kind != op_kind::get)
        return violation(v, "setnx key " + key_name(k) + ": only setnx and get are expected, found "
                              + describe_op(*x));
      if (x->kind != op_kind::setnx || x->out == outcome::fail)
        continue;
      if (x->out == outcome::ok && is_true(x->result)) {
        if (winner)
          return violation(v, "setnx key " + key_name(k) + " has two acknowledged winners: "
                                + describe_op(*winner) + " and " + describe_op(*x));
        winner = x;
      }
      if (x->out == outcome::unknown || is_true(x->result))
        possible.push_back(x);
    }
    // The earliest time the key is known to have been present.
    int64_t present_since = never;
    const op* first_evidence = nullptr;
    std::optional<std::string> seen;
    const op* seen_by = nullptr;
    for (const op* x : ops) {
      if (x->out != outcome::ok)
        continue;
      bool evidence = (x->kind == op_kind::setnx) || (x->kind == op_kind::get && x->result);
      if (evidence && x->complete_ns < present_since) {
        present_since = x->complete_ns;
        first_evidence = x;
      }
      if (x->kind == op_kind::setnx && !is_true(x->result)) {
        // Told "false": somebody else may have won before it ended.
        bool explained = false;
        for (const op* p : possible)
          explained |= p != x && p->invoke_ns <= x->complete_ns;
        if (!explained)
          return violation(v, "setnx key " + key_name(k)
                                + ": an attempt was told the key was present, but no attempt "
                                  "that may have won began before it ended: "
                                + describe_op(*x));
        if (winner && x->complete_ns < winner->invoke_ns)
          return violation(v, "setnx key " + key_name(k)
                                + ": the key was present before the acknowledged winner began: "
                                + describe_op(*x) + ", then the winner " + describe_op(*winner));
      }
      if (x->kind != op_kind::get || !x->result)
        continue;
      bool allowed = false;
      for (const op* p : possible)
        allowed |= (!winner || p == winner) && p->arg == x->result;
      if (!allowed)
        return violation(v, "setnx key " + key_name(k) + " read " + *x->result + ", which "
                              + (winner ? "is not the acknowledged winner's value ("
                                            + describe_op(*winner) + ")"
                                        : std::string{"no attempt with unknown outcome wrote"})
                              + ": " + describe_op(*x));
      if (seen && *seen != *x->result)
        return violation(v, "setnx key " + key_name(k) + " changed value: " + describe_op(*seen_by)
                              + ", later " + describe_op(*x));
      if (winner && x->complete_ns < winner->invoke_ns)
        return violation(v, "setnx key " + key_name(k)
                              + ": the key was read present before the acknowledged winner "
                                "began: "
                              + describe_op(*x) + ", then the winner " + describe_op(*winner));
      seen = x->result;
      seen_by = x;
    }
    for (const op* x : ops)
      if (x->out == outcome::ok && x->kind == op_kind::get && !x->result
          && x->invoke_ns > present_since)
        return violation(v, "setnx key " + key_name(k) + " read absent after it was present ("
                              + describe_op(*first_evidence) + "): " + describe_op(*x));
  }
  return v;
}

verdict check_last_write(const std::vector<op>& h) {
  verdict v;
  for (const auto& [k, ops] : by_key(h)) {
    ++v.keys;
    v.ops += ops.size();
    const op* final_read = nullptr;
    for (const op* x : ops)
      if (x->kind == op_kind::get && x->out == outcome::ok
          && (!final_read || x->invoke_ns > final_read->invoke_ns))
        final_read = x;
    if (!final_read)
      continue;
    std::set<int> writers;
    bool judged = true;
    const op* last = nullptr;        // last acknowledged write before the final read
    std::vector<const op*> unknowns; // writes that may have applied at any time
    for (const op* x : ops) {
      if (x->kind == op_kind::get || x->out == outcome::fail)
        continue;
      writers.insert(x->client);
      if (x->invoke_ns > final_read->invoke_ns)
        judged = false;
      if (x->out == outcome::unknown) {
        unknowns.push_back(x);
        continue;
      }
      bool wrote = x->kind == op_kind::set || x->kind == op_kind::erase
                   || x->kind == op_kind::incr || is_true(x->result);
      if (wrote && (!last || x->invoke_ns > last->invoke_ns))
        last = x;
    }
    if (writers.size() > 1) {
      v.status = verdict::kind::undecided;
      v.explanation = "key " + key_name(k) + " has " + std::to_string(writers.size())
                      + " writers; check_last_write judges single-writer keys only";
      continue;
    }
    if (!judged)
      continue;
    auto effect = [](const op* x) -> std::optional<std::string> {
      if (x->kind == op_kind::erase)
        return std::nullopt;
      if (x->kind == op_kind::incr)
        return x->result;
      return x->arg;
    };
    std::optional<std::string> expected = last ? effect(last) : std::nullopt;
    if (final_read->result == expected)
      continue;
    bool explained = false;
    for (const op* u : unknowns)
      explained |= u->kind == op_kind::incr || effect(u) == final_read->result;
    if (!explained)
      return violation(v, "key " + key_name(k) + ": the last read found "
                            + show(final_read->result) + ", but "
                            + (last ? "the last acknowledged write (" + describe_op(*last)
                                        + ") left " + show(expected)
                                    : std::string{"no acknowledged write came before it"})
                            + ", and no write with unknown outcome (" + std::to_string(unknowns.size())
                            + ") wrote that: " + describe_op(*final_read));
  }
  return v;
}

// --- linearizability ----------------------------------------------------------

namespace {

using state = std::optional<std::string>;

// The register's answer to `x` from state `s`: the next state, or nullopt when
// x's recorded answer cannot come from `s`. Unknown operations accept any
// answer (they have none).
std::optional<state> step(const op& x, const state& s) {
  bool known = x.out == outcome::ok;
  switch (x.kind) {
    case op_kind::get:
      if (known && x.result != s)
        return std::nullopt;
      return s;
    case op_kind::set:
      return state{x.arg};
    case op_kind::erase:
      if (known && is_true(x.result) != s.has_value())
        return std::nullopt;
      return state{std::nullopt};
    case op_kind::cas: {
      bool match = s.has_value() && s == x.expected;
      if (known && is_true(x.result) != match)
        return std::nullopt;
      return match ? state{x.arg} : s;
    }
    case op_kind::setnx: {
      bool absent = !s.has_value();
      if (known && is_true(x.result) != absent)
        return std::nullopt;
      return absent ? state{x.arg} : s;
    }
    case op_kind::incr: {
      std::optional<int64_t> old = s ? json_int(*s) : std::optional<int64_t>{0};
      auto delta = x.arg ? json_int(*x.arg) : std::nullopt;
      if (!old || !delta) // the store refuses it: a type mismatch
        return known ? std::nullopt : std::optional<state>{s};
      auto now = std::to_string(*old + *delta);
      if (known && x.result != now)
        return std::nullopt;
      return state{now};
    }
  }
  return std::nullopt;
}

// An operation whose new state does not depend on the old one.
bool blind(const op& x) {
  return x.kind == op_kind::set || x.kind == op_kind::erase;
}

using bits = std::vector<uint64_t>;

bool test_bit(const bits& b, std::size_t i) {
  return (b[i / 64] >> (i % 64)) & 1;
}
void flip_bit(bits& b, std::size_t i) {
  b[i / 64] ^= uint64_t{1} << (i % 64);
}
bool subset(const bits& a, const bits& b) { // a ⊆ b
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] & ~b[i])
      return false;
  return true;
}

// One key's search. Operations 0..n-1 are answered ("known"), n..n+u-1 have
// an unknown outcome (no return entry: they stay candidates for ever).
class search {
public:
  search(std::vector<const op*> ops, std::size_t known) : ops_(std::move(ops)), n_(known) {
    struct ev {
      int64_t t;
      int ret; // 0 = call, 1 = return: calls first at equal times (concurrent)
      int id;
    };
    std::vector<ev> evs;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      evs.push_back({ops_[i]->invoke_ns, 0, static_cast<int>(i)});
      if (i < n_)
        evs.push_back({ops_[i]->complete_ns, 1, static_cast<int>(i)});
    }
    std::sort(evs.begin(), evs.end(), [](const ev& a, const ev& b) {
      return std::tie(a.t, a.ret, a.id) < std::tie(b.t, b.ret, b.id);
    });
    // Entry 0 is the head sentinel.
    entries_.resize(evs.size() + 1);
    call_of_.assign(ops_.size(), 0);
    ret_of_.assign(ops_.size(), 0);
    for (std::size_t i = 0; i < evs.size(); ++i) {
      auto& e = entries_[i + 1];
      e.id = evs[i].id;
      e.is_call = evs[i].ret == 0;
      e.prev = static_cast<int>(i);
      e.next = i + 1 < evs.size() ? static_cast<int>(i + 2) : -1;
      (e.is_call ? call_of_ : ret_of_)[e.id] = static_cast<int>(i + 1);
    }
    entries_[0].next = evs.empty() ? -1 : 1;
    known_.assign((n_ + 63) / 64 + 1, 0);
    unknown_left_.assign((ops_.size() - n_ + 63) / 64 + 1, 0);
    for (std::size_t i = n_; i < ops_.size(); ++i)
      flip_bit(unknown_left_, i - n_);
  }

  // 1: linearizable, 0: not, -1: budget exhausted.
  int run(long budget) {
    if (n_ == 0)
      return 1;
    state s;
    remember(s);
    frames_.push_back({candidates(), 0, -1, s});
    best_ = 0;
    note_progress(s);
    while (!frames_.empty()) {
      auto& f = frames_.back();
      if (f.next >= f.cands.size()) { // every choice failed here: undo
        if (f.applied < 0)
          return 0;
        s = f.before;
        undo(f.applied);
        frames_.pop_back();
        continue;
      }
      int id = f.cands[f.next++];
      auto ns = step(*ops_[id], s);
      if (!ns)
        continue;
      bool unknown = static_cast<std::size_t>(id) >= n_;
      if (unknown && *ns == s)
        continue; // a no-op: never better than leaving it for later
      if (unknown && f.applied >= 0 && static_cast<std::size_t>(f.applied) >= n_
          && blind(*ops_[id]))
        continue; // overwrites the unknown op just placed: the parent tries it alone
      apply(id);
      if (done_ == n_)
        return 1;
      if (!remember(*ns)) {
        undo(id);
        continue;
      }
      if (++nodes_ > budget)
        return -1;
      frames_.push_back({candidates(), 0, id, s});
      s = std::move(*ns);
      note_progress(s);
    }
    return 0;
  }

  long nodes() const { return nodes_; }

  // Where the search got furthest: what blocked it.
  std::string blocked() const {
    std::ostringstream out;
    out << "at most " << best_ << " of " << n_
        << " answered operations can be placed in a valid order (" << (ops_.size() - n_)
        << " with unknown outcome may be placed anywhere after their start); after them the "
           "register holds "
        << show(best_state_) << ", and none of the operations that could come next fits";
    if (best_blocker_ >= 0)
      out << " before " << describe_op(*ops_[best_blocker_]) << " completed";
    if (!best_cands_.empty()) {
      out << "; the candidates were:";
      std::size_t shown = 0;
      for (int c : best_cands_) {
        if (++shown > 6) {
          out << " ...";
          break;
        }
        out << " [" << describe_op(*ops_[c]) << "]";
      }
    }
    if (best_last_ >= 0)
      out << "; the last operation placed was " << describe_op(*ops_[best_last_]);
    return out.str();
  }

private:
  struct entry {
    int prev = -1, next = -1, id = -1;
    bool is_call = false;
  };
  struct frame {
    std::vector<int> cands;
    std::size_t next;
    int applied;
    state before;
  };

  void unlink(int e) {
    entries_[entries_[e].prev].next = entries_[e].next;
    if (entries_[e].next >= 0)
      entries_[entries_[e].next].prev = entries_[e].prev;
  }
  void relink(int e) {
    entries_[entries_[e].prev].next = e;
    if (entries_[e].next >= 0)
      entries_[entries_[e].next].prev = e;
  }
  void apply(int id) {
    unlink(call_of_[id]);
    if (static_cast<std::size_t>(id) < n_) {
      unlink(ret_of_[id]);
      flip_bit(known_, id);
      ++done_;
    } else {
      flip_bit(unknown_left_, id - n_);
    }
  }
  void undo(int id) {
    if (static_cast<std::size_t>(id) < n_) {
      relink(ret_of_[id]);
      flip_bit(known_, id);
      --done_;
    } else {
      flip_bit(unknown_left_, id - n_);
    }
    relink(call_of_[id]);
  }

  // The calls before the first pending return: answered ones first (in time
  // order), then the unknown ones, which are only needed to explain answers.
  std::vector<int> candidates() const {
    std::vector<int> known, unknown;
    for (int e = entries_[0].next; e >= 0; e = entries_[e].next) {
      if (!entries_[e].is_call)
        break;
      int id = entries_[e].id;
      (static_cast<std::size_t>(id) < n_ ? known : unknown).push_back(id);
    }
    known.insert(known.end(), unknown.begin(), unknown.end());
    return known;
  }

  int first_return() const {
    for (int e = entries_[0].next; e >= 0; e = entries_[e].next)
      if (!entries_[e].is_call)
        return entries_[e].id;
    return -1;
  }

  // Lowe's memoization, with dominance for unknown operations: having failed
  // from (answered ops placed, state) with a set R of unknown ops left, the
  // search fails from there with any subset of R left. false: dominated.
  bool remember(const state& s) {
    std::string key;
    std::size_t first_zero = 0;
    while (first_zero + 64 <= n_ && known_[first_zero / 64] == ~uint64_t{0})
      first_zero += 64;
    while (first_zero < n_ && test_bit(known_, first_zero))
      ++first_zero;
    std::size_t w0 = first_zero / 64;
    std::size_t w1 = known_.size();
    while (w1 > w0 && known_[w1 - 1] == 0)
      --w1;
    key.append(reinterpret_cast<const char*>(&first_zero), sizeof first_zero);
    key.append(reinterpret_cast<const char*>(known_.data() + w0), (w1 - w0) * sizeof(uint64_t));
    key += s ? '=' + *s : std::string{"~"};
    auto& seen = cache_[key];
    for (const auto& r : seen)
      if (subset(unknown_left_, r))
        return false;
    seen.push_back(unknown_left_);
    return true;
  }

  void note_progress(const state& s) {
    if (done_ < best_ || (done_ == best_ && best_set_))
      return;
    best_set_ = true;
    best_ = done_;
    best_state_ = s;
    best_blocker_ = first_return();
    best_cands_ = candidates();
    best_last_ = frames_.empty() ? -1 : frames_.back().applied;
  }

  std::vector<const op*> ops_;
  std::size_t n_;
  std::vector<entry> entries_;
  std::vector<int> call_of_, ret_of_;
  bits known_, unknown_left_;
  std::size_t done_ = 0;
  std::unordered_map<std::string, std::vector<bits>> cache_;
  std::vector<frame> frames_;
  long nodes_ = 0;
  std::size_t best_ = 0;
  bool best_set_ = false;
  state best_state_;
  int best_blocker_ = -1;
  std::vector<int> best_cands_;
  int best_last_ = -1;
};

} // namespace

verdict check_linearizable(const std::vector<op>& h, long node_budget) {
  verdict v;
  std::string undecided;
  for (const auto& [k, all] : by_key(h)) {
    ++v.keys;
    std::vector<const op*> known, unknown;
    for (const op* x : all) {
      if (x->out == outcome::fail)
        continue;
      if (x->out == outcome::ok)
        known.push_back(x);
      else if (x->kind != op_kind::get) // an unanswered read changes nothing
        unknown.push_back(x);
    }
    v.ops += known.size() + unknown.size();
    auto n = known.size();
    known.insert(known.end(), unknown.begin(), unknown.end());
    search s{std::move(known), n};
    int r = s.run(node_budget);
    v.search_nodes += s.nodes();
    if (r == 0)
      return violation(v, "key " + key_name(k) + " is not linearizable: " + s.blocked());
    if (r < 0 && undecided.empty())
      undecided = "key " + key_name(k) + ": the search gave up after " + std::to_string(node_budget)
                  + " configurations (raise node_budget or shorten the history)";
  }
  if (!undecided.empty()) {
    v.status = verdict::kind::undecided;
    v.explanation = undecided;
  }
  return v;
}

} // namespace mn::test::history
