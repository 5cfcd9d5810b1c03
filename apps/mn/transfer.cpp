// mn dict export / mn dict import: a dict as JSON lines, for backup and
// restore.
//
//   line := {"key": K, "value": V}
//
// K is the key as a JSON string and V the value as JSON. Two escapes keep
// every dict exportable without loss: a key that is not valid UTF-8 is
// written as "key_base64" (its bytes in base64), and a value that JSON cannot
// hold (bytes, or strings that are not valid UTF-8) as "value_msgpack" (its
// MessagePack encoding in base64). Import reads all three forms.
//
// Import checks every line before it stores anything (a bad line: exit 2 with
// its line number, nothing imported); then it stores the items with
// dict::set_many in batches, each one atomic and durable. When the cluster
// fails during that second pass, it says how many lines were imported: a
// re-run is safe (it only sets keys).
#include "cli.hpp"

#include "storage/codec.hpp" // the dicts' own encoding and its limits (no CAF)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <sys/stat.h>

namespace mn::cli {

namespace {

constexpr std::size_t max_key_bytes = 511;          // LMDB's limit (README)
constexpr std::size_t max_value_bytes = 16u << 20;  // encoded, MessagePack (README)
constexpr std::size_t batch_items = 1000;
constexpr std::size_t batch_bytes = 4u << 20;

// -- base64 -------------------------------------------------------------------

constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

template <class Bytes>
std::string to_base64(const Bytes& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (auto ch : in) {
    acc = (acc << 8) | static_cast<uint8_t>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out += b64[(acc << (6 - bits)) & 63];
  while (out.size() % 4 != 0)
    out += '=';
  return out;
}

// The bytes of `in`, or nullopt when it is not base64.
std::optional<std::string> from_base64(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const char* p = std::strchr(b64, in[i]);
    if (in[i] == '\0' || p == nullptr)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=')
      return std::nullopt;
  return out;
}

// -- progress -----------------------------------------------------------------

// A one-line progress bar on stderr, only when stderr is a terminal and the
// work takes long enough to notice (drawn at most every 100 ms after 300 ms).
class progress {
public:
  progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), on_(stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

  void tick(uint64_t done) {
    if (!on_)
      return;
    auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::milliseconds(300) || now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    draw(done);
  }

  void finish(uint64_t done) {
    if (drawn_) {
      draw(done);
      std::cerr << std::endl;
    }
  }

private:
  void draw(uint64_t done) {
    drawn_ = true;
    constexpr int width = 30;
    uint64_t total = std::max(total_, done);
    int filled = total == 0 ? width : static_cast<int>(done * width / total);
    std::cerr << '\r' << label_ << " [" << std::string(filled, '#')
              << std::string(width - filled, '.') << "] " << done << '/' << total << std::flush;
  }

  std::string label_;
  uint64_t total_;
  bool on_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// -- lines --------------------------------------------------------------------

bool has_bytes(const mn::value& v) {
  if (v.is_binary())
    return true;
  if (v.is_array() || v.is_object())
    for (auto& x : v)
      if (has_bytes(x))
        return true;
  return false;
}

std::string encode_line(const std::string& key, const mn::value& v) {
  std::string out = "{";
  try {
    out += "\"key\":" + mn::value(key).dump();
  } catch (const mn::value::type_error&) { // not valid UTF-8
    out += "\"key_base64\":\"" + to_base64(key) + "\"";
  }
  std::string text;
  bool plain = !has_bytes(v);
  if (plain) {
    try {
      text = v.dump();
    } catch (const mn::value::type_error&) {
      plain = false;
    }
  }
  if (plain)
    out += ",\"value\":" + text + "}";
  else
    out += ",\"value_msgpack\":\"" + to_base64(mn::value::to_msgpack(v)) + "\"}";
  return out;
}

struct item {
  std::string key;
  mn::value value;
  std::size_t bytes = 0; // key and encoded value
};

// The item of one line. Errors: usage_error saying what is wrong with it
// (without the line number).
item decode_line(const std::string& line) {
  auto j = mn::value::parse(line, nullptr, false);
  if (j.is_discarded())
    throw usage_error("not valid JSON");
  if (!j.is_object())
    throw usage_error("not a JSON object {\"key\": ..., \"value\": ...}");
  item it;
  int keys = 0, values = 0;
  for (auto& [field, x] : j.items()) {
    if (field == "key") {
      if (!x.is_string())
        throw usage_error("\"key\" is not a string");
      it.key = x.get<std::string>();
      ++keys;
    } else if (field == "key_base64") {
      auto bytes = x.is_string() ? from_base64(x.get<std::string>()) : std::nullopt;
      if (!bytes)
        throw usage_error("\"key_base64\" is not a base64 string");
      it.key = *bytes;
      ++keys;
    } else if (field == "value") {
      // Moved, not copied: nlohmann's copy recurses once per level, and a
      // value nested 100,000 deep (refused below) overflowed the stack under
      // ASan's larger frames.
      it.value = std::move(x);
      ++values;
    } else if (field == "value_msgpack") {
      auto bytes = x.is_string() ? from_base64(x.get<std::string>()) : std::nullopt;
      mn::value v;
      if (!bytes)
        throw usage_error("\"value_msgpack\" is not base64 of a MessagePack value");
      if (auto st = mn::storage::decode(*bytes, v); !st) // also refuses values nested too deep
        throw usage_error("\"value_msgpack\" is not base64 of a MessagePack value: "
                          + st.message());
      it.value = std::move(v);
      ++values;
    } else {
      throw usage_error("unknown field \"" + field + "\" (a line has \"key\" and \"value\")");
    }
  }
  if (keys != 1 || values != 1)
    throw usage_error("a line needs exactly one \"key\" and one \"value\"");
  if (it.key.empty())
    throw usage_error("the key is empty");
  if (it.key.size() > max_key_bytes)
    throw usage_error("the key is " + std::to_string(it.key.size()) + " bytes, over the limit of "
                      + std::to_string(max_key_bytes));
  std::string bytes;
  if (auto st = mn::storage::encode(it.value, bytes);
      !st && st.code() != mn::errc::value_too_large) // nested too deep
    throw usage_error("the " + st.message());
  auto encoded = bytes.size();
  if (encoded > max_value_bytes)
    throw usage_error("the value encodes to " + std::to_string(encoded)
                      + " bytes, over the limit of 16 MiB");
  it.bytes = it.key.size() + encoded;
  return it;
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Reads `in` line by line (any length); false at the end.
bool read_line(std::FILE* in, std::string& line) {
  line.clear();
  int ch;
  while ((ch = std::getc(in)) != EOF && ch != '\n')
    line += static_cast<char>(ch);
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return ch != EOF || !line.empty();
}

} // namespace

int run_export(context& c) {
  c.expect_args(1, 1, "NAME > FILE.jsonl");
  const auto& name = c.args[0];
  auto d = c.client().get_dict(name);
  uint64_t total = stderr_is_terminal() ? d.size() : 0;
  progress bar{"export " + name, total};
  uint64_t done = 0;
  const std::size_t page_size = 1000;
  std::string after;
  try {
    for (;;) {
      auto page = d.keys_page(after, page_size);
      for (auto& k : page) {
        auto v = d.get(k);
        if (!v)
          continue; // deleted since the page was read
        std::cout << encode_line(k, *v) << '\n';
        bar.tick(++done);
      }
      if (page.size() < page_size)
        break;
      after = page.back();
    }
  } catch (const mn::error& e) {
    bar.finish(done);
    std::cout.flush();
    mn::throw_error(e.code(), "export of dict '" + name + "' stopped after "
                                + std::to_string(done) + " items, so the output is incomplete: "
                                + e.what());
  }
  std::cout.flush();
  bar.finish(done);
  if (!std::cout)
    throw std::runtime_error("export of dict '" + name + "': writing the output failed (disk "
                             "full or closed pipe?); the output is incomplete");
  return exit_ok;
}

int run_import(context& c) {
  c.expect_args(1, 1, "NAME < FILE.jsonl");
  const auto& name = c.args[0];
  // Pass 1: check every line. A regular file is read again; anything else
  // (a pipe) is kept in a temporary file meanwhile.
  std::FILE* in = stdin;
  struct stat st {};
  long start = std::ftell(stdin);
  bool rereadable = ::fstat(fileno(stdin), &st) == 0 && S_ISREG(st.st_mode) && start >= 0;
  std::FILE* spool = nullptr;
  if (!rereadable) {
    spool = std::tmpfile();
    if (!spool)
      throw std::runtime_error("import: cannot create a temporary file to hold the input "
                               "(set TMPDIR to a writable directory), or redirect a file to "
                               "stdin instead of a pipe");
  }
  struct closer {
    std::FILE* f;
    ~closer() {
      if (f)
        std::fclose(f);
    }
  } spool_closer{spool};
  std::string line;
  uint64_t lineno = 0, items = 0;
  while (read_line(in, line)) {
    ++lineno;
    if (spool && (std::fwrite(line.data(), 1, line.size(), spool) != line.size()
                  || std::fputc('\n', spool) == EOF))
      throw std::runtime_error("import: cannot write the temporary copy of the input (disk "
                               "full?); nothing was imported");
    if (blank(line))
      continue;
    try {
      decode_line(line);
    } catch (const usage_error& e) {
      throw usage_error("import into '" + name + "': line " + std::to_string(lineno) + ": "
                        + e.what() + "; nothing was imported (fix the line and run again)");
    }
    ++items;
  }
  if (std::ferror(in))
    throw std::runtime_error("import: reading stdin failed; nothing was imported");
  // Pass 2: store, in batches.
  auto d = c.client().get_dict(name);
  if (spool)
    std::rewind(spool);
  else if (std::fseek(stdin, start, SEEK_SET) != 0)
    throw std::runtime_error("import: cannot read the input file again; nothing was imported");
  std::FILE* again = spool ? spool : stdin;
  progress bar{"import " + name, items};
  std::vector<std::pair<std::string, mn::value>> batch;
  std::size_t batch_size = 0;
  uint64_t stored = 0, last_stored_line = 0;
  auto flush = [&](uint64_t through_line) {
    if (batch.empty())
      return;
    try {
      d.set_many(batch);
    } catch (const mn::error& e) {
      bar.finish(stored);
      std::string where = stored == 0 ? std::string{"nothing was imported"}
                                       : std::to_string(stored) + " of " + std::to_string(items)
                                           + " items (lines 1 to "
                                           + std::to_string(last_stored_line)
                                           + ") were imported, the rest not";
      mn::throw_error(e.code(), "import into '" + name + "' stopped: " + e.what() + "; "
                                  + where + "; running the import again is safe");
    }
    stored += batch.size();
    last_stored_line = through_line;
    batch.clear();
    batch_size = 0;
    bar.tick(stored);
  };
  lineno = 0;
  while (read_line(again, line)) {
    ++lineno;
    if (blank(line))
      continue;
    item it;
    try {
      it = decode_line(line);
    } catch (const usage_error& e) { // the file changed since pass 1
      flush(lineno - 1);
      throw usage_error("import into '" + name + "': line " + std::to_string(lineno) + " changed "
                        "while importing: " + e.what() + "; " + std::to_string(stored)
                        + " items were imported");
    }
    if (!batch.empty() && (batch.size() >= batch_items || batch_size + it.bytes > batch_bytes))
      flush(lineno - 1);
    batch_size += it.bytes;
    batch.emplace_back(std::move(it.key), std::move(it.value));
  }
  flush(lineno);
  bar.finish(stored);
  if (c.json)
    std::cout << "{\"imported\":" << stored << "}\n";
  else
    std::cout << "imported " << stored << " items into '" << name << "'\n";
  return exit_ok;
}

} // namespace mn::cli
