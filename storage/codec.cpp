#include "storage/codec.hpp"

#include "storage/limits.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace mn::storage {

namespace {

status malformed(std::size_t size) {
  return {errc::invalid_argument,
          "malformed value: " + std::to_string(size)
            + " bytes are not one complete MessagePack value; encode values with "
              "mn::value (nlohmann::json::to_msgpack)"};
}

// Big-endian unsigned integer of `n` bytes at `p`.
uint64_t read_be(const unsigned char* p, std::size_t n) {
  uint64_t x = 0;
  for (std::size_t i = 0; i < n; ++i)
    x = (x << 8) | p[i];
  return x;
}

// Fast path for the most common stored value, a top-level string or byte
// string: nlohmann's MessagePack reader appends such payloads one byte at a
// time (about 0.5 us for 100 bytes), a bulk copy takes a tenth of that.
// flat_span: where the payload of a top-level string or byte string starts;
// false when `bytes` is not exactly one such value.
bool flat_span(std::string_view bytes, std::size_t& header, bool& is_binary) {
  if (bytes.empty())
    return false;
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto tag = p[0];
  uint64_t len = 0;
  is_binary = false;
  if (tag >= 0xa0 && tag <= 0xbf) { // fixstr
    header = 1;
    len = tag & 0x1f;
  } else if (tag == 0xd9 || tag == 0xda || tag == 0xdb) { // str 8/16/32
    std::size_t n = std::size_t{1} << (tag - 0xd9);
    if (bytes.size() < 1 + n)
      return false;
    header = 1 + n;
    len = read_be(p + 1, n);
  } else if (tag == 0xc4 || tag == 0xc5 || tag == 0xc6) { // bin 8/16/32
    std::size_t n = std::size_t{1} << (tag - 0xc4);
    if (bytes.size() < 1 + n)
      return false;
    header = 1 + n;
    len = read_be(p + 1, n);
    is_binary = true;
  } else {
    return false;
  }
  return bytes.size() - header == len;
}

bool decode_flat(std::string_view bytes, value& out) {
  std::size_t header = 0;
  bool is_binary = false;
  if (!flat_span(bytes, header, is_binary))
    return false;
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  auto len = bytes.size() - header;
  if (is_binary)
    out = value::binary(value::binary_t::container_type(p + header, p + header + len));
  else
    out = std::string(bytes.substr(header));
  return true;
}

status too_deep() {
  return {errc::invalid_argument,
          "value nests lists and maps deeper than " + std::to_string(max_value_depth)
            + " levels; flatten it (e.g. keep the inner parts under keys of their own)"};
}

// Counts the nesting of lists and maps during a SAX parse and stops it past
// max_value_depth: nlohmann's MessagePack reader recurses once per level.
struct depth_guard {
  std::size_t depth = 0;
  bool exceeded = false;
  bool enter() {
    exceeded = ++depth > max_value_depth;
    return !exceeded;
  }
  bool leave() {
    --depth;
    return true;
  }
};

// A SAX handler that builds nothing: it lets nlohmann's parser check the bytes.
struct accept_all : depth_guard {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(value::number_integer_t) { return true; }
  bool number_unsigned(value::number_unsigned_t) { return true; }
  bool number_float(value::number_float_t, const value::string_t&) { return true; }
  bool string(value::string_t&) { return true; }
  bool binary(value::binary_t&) { return true; }
  bool start_object(std::size_t) { return enter(); }
  bool key(value::string_t&) { return true; }
  bool end_object() { return leave(); }
  bool start_array(std::size_t) { return enter(); }
  bool end_array() { return leave(); }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    return false;
  }
};

// nlohmann's own DOM builder (what from_msgpack uses), behind the depth guard.
struct build_value : depth_guard {
  nlohmann::detail::json_sax_dom_parser<value> dom;
  explicit build_value(value& out) : dom(out, false) {}
  bool null() { return dom.null(); }
  bool boolean(bool b) { return dom.boolean(b); }
  bool number_integer(value::number_integer_t x) { return dom.number_integer(x); }
  bool number_unsigned(value::number_unsigned_t x) { return dom.number_unsigned(x); }
  bool number_float(value::number_float_t x, const value::string_t& s) {
    return dom.number_float(x, s);
  }
  bool string(value::string_t& s) { return dom.string(s); }
  bool binary(value::binary_t& b) { return dom.binary(b); }
  bool start_object(std::size_t n) { return enter() && dom.start_object(n); }
  bool key(value::string_t& k) { return dom.key(k); }
  bool end_object() { return leave() && dom.end_object(); }
  bool start_array(std::size_t n) { return enter() && dom.start_array(n); }
  bool end_array() { return leave() && dom.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t at, const std::string& token, const Exception& e) {
    return dom.parse_error(at, token, e);
  }
};

// Whether lists and maps nest deeper than max_value_depth in `v`; without
// recursion, so that it is safe on any value.
bool nests_too_deep(const value& v) {
  if (!v.is_structured())
    return false;
  std::vector<std::pair<const value*, std::size_t>> todo{{&v, 1}};
  while (!todo.empty()) {
    auto [x, depth] = todo.back();
    todo.pop_back();
    if (depth > max_value_depth)
      return true;
    for (auto& child : *x)
      if (child.is_structured())
        todo.emplace_back(&child, depth + 1);
  }
  return false;
}

} // namespace

status encode(const value& v, std::string& out) {
  out.clear();
  if (nests_too_deep(v))
    return too_deep();
  value::to_msgpack(v, nlohmann::detail::output_adapter<char>(out));
  if (out.size() > max_value_bytes)
    return {errc::value_too_large,
            "value of " + std::to_string(out.size()) + " encoded bytes exceeds the "
              + std::to_string(max_value_bytes) + "-byte limit; split it over several keys"};
  return status::ok();
}

status decode(std::string_view bytes, value& out) {
  if (decode_flat(bytes, out))
    return status::ok();
  // What from_msgpack(bytes, strict, allow_exceptions=false) does, with the
  // depth guard: a malformed input yields false.
  value result;
  build_value sax{result};
  if (!value::sax_parse(bytes.begin(), bytes.end(), &sax, value::input_format_t::msgpack, true))
    return sax.exceeded ? too_deep() : malformed(bytes.size());
  out = std::move(result);
  return status::ok();
}

status validate(std::string_view bytes) {
  if (bytes.size() > max_value_bytes)
    return {errc::value_too_large,
            "value of " + std::to_string(bytes.size()) + " encoded bytes exceeds the "
              + std::to_string(max_value_bytes) + "-byte limit; split it over several keys"};
  std::size_t header = 0;
  bool is_binary = false;
  if (flat_span(bytes, header, is_binary))
    return status::ok();
  accept_all sax;
  if (!value::sax_parse(bytes.begin(), bytes.end(), &sax, value::input_format_t::msgpack, true))
    return sax.exceeded ? too_deep() : malformed(bytes.size());
  return status::ok();
}

} // namespace mn::storage
