#include "storage/codec.hpp"

#include "storage/limits.hpp"

#include <cstdint>

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

// A SAX handler that builds nothing: it lets nlohmann's parser check the bytes.
struct accept_all {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(value::number_integer_t) { return true; }
  bool number_unsigned(value::number_unsigned_t) { return true; }
  bool number_float(value::number_float_t, const value::string_t&) { return true; }
  bool string(value::string_t&) { return true; }
  bool binary(value::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(value::string_t&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    return false;
  }
};

} // namespace

status encode(const value& v, std::string& out) {
  out.clear();
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
  // allow_exceptions=false: a malformed input yields a 'discarded' value.
  out = value::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (out.is_discarded())
    return malformed(bytes.size());
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
    return malformed(bytes.size());
  return status::ok();
}

} // namespace mn::storage
