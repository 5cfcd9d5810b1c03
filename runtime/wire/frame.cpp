#include "runtime/wire/frame.hpp"

#include <cstring>

namespace mn::wire {

namespace {

void put_u32(std::string& out, uint32_t x) {
  char b[4];
  for (int i = 0; i < 4; ++i)
    b[i] = static_cast<char>((x >> (8 * i)) & 0xff);
  out.append(b, 4);
}

void put_u64(std::string& out, uint64_t x) {
  char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<char>((x >> (8 * i)) & 0xff);
  out.append(b, 8);
}

void put_str(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

struct reader {
  const std::string& s;
  std::size_t pos = 0;
  bool ok = true;

  bool need(std::size_t n) {
    ok = ok && s.size() - pos >= n;
    return ok;
  }
  uint8_t u8() { return need(1) ? static_cast<uint8_t>(s[pos++]) : 0; }
  uint64_t uint(int bytes) {
    if (!need(static_cast<std::size_t>(bytes)))
      return 0;
    uint64_t x = 0;
    for (int i = 0; i < bytes; ++i)
      x |= uint64_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return x;
  }
  std::string str() {
    auto n = uint(4);
    if (!need(n))
      return {};
    std::string out = s.substr(pos, n);
    pos += n;
    return out;
  }
  bool done() const { return ok && pos == s.size(); }
};

} // namespace

void write_request(std::string& out, uint8_t kind, const std::string& dict,
                   const storage::op& x) {
  out.push_back(static_cast<char>(kind));
  put_str(out, dict);
  put_str(out, x.key);
  put_str(out, x.a);
  put_str(out, x.b);
  put_u64(out, x.count);
  put_u32(out, static_cast<uint32_t>(x.items.size()));
  for (auto& [k, v] : x.items) {
    put_str(out, k);
    put_str(out, v);
  }
}

void write_response(std::string& out, const storage::op& x) {
  out.push_back(static_cast<char>(x.result.code()));
  put_str(out, x.result.message());
  out.push_back(x.found ? 1 : 0);
  put_str(out, x.out);
  put_u64(out, x.count);
  put_u32(out, static_cast<uint32_t>(x.keys.size()));
  for (auto& k : x.keys)
    put_str(out, k);
}

bool read_request(const std::string& body, uint8_t& kind, std::string& dict, storage::op& x) {
  reader r{body};
  kind = r.u8();
  dict = r.str();
  x.key = r.str();
  x.a = r.str();
  x.b = r.str();
  x.count = r.uint(8);
  auto n = r.uint(4);
  for (uint64_t i = 0; i < n && r.ok; ++i) {
    auto k = r.str();
    auto v = r.str();
    x.items.emplace_back(std::move(k), std::move(v));
  }
  if (!r.done())
    return false;
  if (kind != hello_kind && kind != fcall_kind
      && kind > static_cast<uint8_t>(storage::op_kind::set_many))
    return false;
  if (kind != hello_kind && kind != fcall_kind)
    x.kind = static_cast<storage::op_kind>(kind);
  return true;
}

bool read_response(const std::string& body, storage::op& x) {
  reader r{body};
  auto code = static_cast<errc>(r.u8());
  auto message = r.str();
  x.result = storage::status{code, std::move(message)};
  x.found = r.u8() != 0;
  x.out = r.str();
  x.count = r.uint(8);
  auto n = r.uint(4);
  x.keys.clear();
  for (uint64_t i = 0; i < n && r.ok; ++i)
    x.keys.push_back(r.str());
  return r.done();
}

} // namespace mn::wire
