// Fuzzes storage/codec.*: the bytes are (1) decoded as a stored value and
// (2) parsed as the JSON text of a value, as HTTP bodies and mn CLI arguments
// are. Checks, besides "no crash, no UB, no leak":
// - validate() and decode() agree on which inputs are values;
// - a decoded value encodes, and decoding that gives the same encoding again
//   (the on-disk form is stable);
// - a JSON value survives dump -> parse -> encode the same way.
#include "storage/codec.hpp"
#include "storage/limits.hpp"

#include <mn/error.hpp>
#include <mn/http.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using mn::value;
namespace storage = mn::storage;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_codec: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Encodes `v`, decodes the result and encodes that again: the two encodings
// must be equal. `v` came from decode() or from JSON text. false when encode
// refused `v` (too large or too deep), as documented.
bool check_round_trip(const value& v) {
  std::string once;
  auto st = storage::encode(v, once);
  if (!st) {
    if (st.code() != mn::errc::value_too_large && st.code() != mn::errc::invalid_argument)
      fail("encode failed with an undocumented code", st.message());
    return false;
  }
  if (auto vst = storage::validate(once); !vst)
    fail("validate refuses an encoding of encode()", vst.message());
  value again;
  if (auto dst = storage::decode(once, again); !dst)
    fail("decode refuses an encoding of encode()", dst.message());
  std::string twice;
  if (auto est = storage::encode(again, twice); !est)
    fail("encode refuses a decoded value", est.message());
  if (once != twice)
    fail("encoding not stable", std::to_string(once.size()) + " vs " + std::to_string(twice.size())
                                  + " bytes");
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), size};

  // (1) Stored bytes: validate and decode must agree.
  value v;
  auto decoded = storage::decode(bytes, v);
  auto valid = storage::validate(bytes);
  if (bool(decoded) != bool(valid))
    fail("validate and decode disagree",
         "decode: " + decoded.message() + " / validate: " + valid.message());
  if (!decoded && decoded.code() != mn::errc::invalid_argument)
    fail("decode failed with a code other than invalid_argument", decoded.message());
  if (decoded) {
    check_round_trip(v);
    // What GET /dicts/{name}/{key} and the mn CLI print of any stored value.
    (void)mn::http_response::json(v);
  }

  // (2) The same bytes as JSON text, through the HTTP API's body parser.
  mn::http_request req;
  req.body.assign(bytes);
  value j;
  try {
    j = req.json();
  } catch (const mn::invalid_argument&) {
    return 0; // the documented error for a body that is not JSON
  }
  if (!check_round_trip(j))
    return 0; // never stored, so never printed
  auto shown = mn::http_response::json(j).body;
  value reparsed = value::parse(shown, nullptr, false);
  if (reparsed.is_discarded())
    fail("a printed value is not JSON", shown.substr(0, 200));
  return 0;
}
