#include "runtime/membership.hpp"

#include <mn/error.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>

namespace mn::runtime {

namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::map<std::string, std::string> entries(const std::string& fingerprint) {
  std::map<std::string, std::string> out;
  std::istringstream in{fingerprint};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto at = item.find('@');
    if (at != std::string::npos)
      out[item.substr(0, at)] = item.substr(at + 1);
  }
  return out;
}

} // namespace

membership::membership(std::string self, std::vector<peer> members)
  : self_(std::move(self)), members_(std::move(members)) {
  std::sort(members_.begin(), members_.end(),
            [](const peer& a, const peer& b) { return a.name < b.name; });
}

membership membership::from_options(const node_options& opts) {
  std::vector<peer> all;
  peer me;
  me.name = opts.name;
  if (!opts.listen.empty())
    parse_address(opts.listen, "--listen", me.host, me.port);
  all.push_back(me);
  for (auto& p : opts.peers)
    if (p.name != opts.name)
      all.push_back(p);
  return membership{opts.name, std::move(all)};
}

membership membership::parse(const std::string& self, const std::string& fingerprint) {
  std::vector<peer> all;
  for (auto& [name, addr] : entries(fingerprint)) {
    peer p;
    p.name = name;
    parse_address(addr, "member " + name, p.host, p.port);
    all.push_back(p);
  }
  if (all.empty())
    throw invalid_argument(errc::bad_config, "empty cluster membership '" + fingerprint + "'");
  return membership{self, std::move(all)};
}

const peer& membership::owner_of(const std::string& name) const {
  const peer* best = &members_.front();
  uint64_t best_score = 0;
  for (auto& m : members_) {
    auto score = splitmix64(fnv1a64(m.name + '\n' + name));
    if (&m == &members_.front() || score > best_score) {
      best = &m;
      best_score = score;
    }
  }
  return *best;
}

const peer* membership::find(const std::string& name) const {
  for (auto& m : members_)
    if (m.name == name)
      return &m;
  return nullptr;
}

std::string membership::fingerprint() const {
  std::string out;
  for (auto& m : members_) {
    if (!out.empty())
      out += ',';
    out += m.name + '@' + m.host + ':' + std::to_string(m.port);
  }
  return out;
}

std::string describe_difference(const std::string& here, const std::string& there) {
  auto a = entries(here);
  auto b = entries(there);
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (auto& [name, addr] : a) {
    auto i = b.find(name);
    if (i == b.end())
      add("'" + name + "' (" + addr + ") is only here");
    else if (i->second != addr)
      add("'" + name + "' is " + addr + " here but " + i->second + " there");
  }
  for (auto& [name, addr] : b)
    if (!a.count(name))
      add("'" + name + "' (" + addr + ") is only there");
  return out.empty() ? "no difference" : out;
}

} // namespace mn::runtime
