#pragma once
// HTTP helpers for tests: a client of a node's --http port (cpp-httplib's, the
// same library the node serves with, but a separate code path: the client
// sends and parses real HTTP over TCP), raw requests for what httplib's client
// cannot send, and a parser of the Prometheus text format that checks every
// line. Link the test with PkgConfig::HTTPLIB.
#include <mn/value.hpp>

#include <httplib.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mn::test {

/// Every byte outside [A-Za-z0-9-._~] as %XX (what a careful client sends).
inline std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// One answer: status (0 when the request failed), body, its JSON (null when
/// not JSON) and content type.
struct http_reply {
  int status = 0;
  std::string body;
  mn::value json;
  std::string content_type;
  std::string allow;
};

/// A client of 127.0.0.1:`port`. Paths are sent as given (encode keys with
/// url_encode); every call is bounded by the timeouts below.
class http_client {
public:
  explicit http_client(uint16_t port, const std::string& host = "127.0.0.1") : c_(host, port) {
    c_.set_url_encode(false);
    c_.set_connection_timeout(5);
    c_.set_read_timeout(20);
    c_.set_write_timeout(20);
  }

  http_reply get(const std::string& path) { return reply(c_.Get(path)); }
  http_reply put(const std::string& path, const std::string& body) {
    return reply(c_.Put(path, body, "application/json"));
  }
  http_reply post(const std::string& path, const std::string& body) {
    return reply(c_.Post(path, body, "application/json"));
  }
  http_reply patch(const std::string& path, const std::string& body) {
    return reply(c_.Patch(path, body, "application/json"));
  }
  http_reply del(const std::string& path) { return reply(c_.Delete(path)); }
  http_reply head(const std::string& path) { return reply(c_.Head(path)); }
  httplib::Client& raw() { return c_; }

private:
  static http_reply reply(const httplib::Result& r) {
    http_reply out;
    if (!r)
      return out;
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    out.allow = r->get_header_value("Allow");
    out.json = mn::value::parse(r->body, nullptr, false); // discarded on error
    if (out.json.is_discarded())
      out.json = nullptr;
    return out;
  }
  httplib::Client c_;
};

/// Sends `request` as is to 127.0.0.1:`port` and returns everything the
/// server sends until it closes (at most `within`).
inline std::string raw_http(uint16_t port, const std::string& request,
                            std::chrono::milliseconds within = std::chrono::seconds(10)) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0)
      ::close(fd);
    return {};
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + within;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

/// One sample line of the text format: name{labels} value.
struct metric_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;
  double number() const { return value == "+Inf" ? 1e308 : std::stod(value); }
};

/// A parsed /metrics text, with every line that breaks the format.
struct metrics_text {
  std::vector<metric_sample> samples;
  std::map<std::string, std::string> types; // family -> counter | gauge | histogram
  std::set<std::string> helps;               // families with a HELP line
  std::vector<std::string> bad_lines;

  /// The value of the sample `name` whose labels include `labels`; nullopt if none.
  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (auto& s : samples) {
      if (s.name != name)
        continue;
      bool match = true;
      for (auto& [k, v] : labels) {
        auto i = s.labels.find(k);
        match = match && i != s.labels.end() && i->second == v;
      }
      if (match)
        return s.number();
    }
    return std::nullopt;
  }
  /// `value` or 0.
  double value_or_zero(const std::string& name,
                       const std::map<std::string, std::string>& labels = {}) const {
    return value(name, labels).value_or(0);
  }
};

inline metrics_text parse_metrics(const std::string& text) {
  static const std::regex sample_line{
    R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\} (\S+)$)"};
  static const std::regex label{R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)\")"};
  static const std::regex help_line{R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)"};
  static const std::regex type_line{
    R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)"};
  metrics_text out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      out.bad_lines.push_back("(no newline at the end) " + text.substr(start));
      break;
    }
    auto line = text.substr(start, end - start);
    start = end + 1;
    std::smatch m;
    if (std::regex_match(line, m, help_line)) {
      out.helps.insert(m[1]);
    } else if (std::regex_match(line, m, type_line)) {
      out.types[m[1]] = m[2];
    } else if (std::regex_match(line, m, sample_line)) {
      metric_sample s;
      s.name = m[1];
      s.value = m[3];
      std::string labels = m[2];
      for (std::sregex_iterator i{labels.begin(), labels.end(), label}, e; i != e; ++i)
        s.labels[(*i)[1]] = (*i)[2];
      try {
        if (s.value != "+Inf" && s.value != "-Inf" && s.value != "NaN")
          (void) std::stod(s.value);
        out.samples.push_back(std::move(s));
      } catch (const std::exception&) {
        out.bad_lines.push_back(line);
      }
    } else {
      out.bad_lines.push_back(line);
    }
  }
  return out;
}

/// The family a sample belongs to (histogram samples end in _bucket, _sum, _count).
inline std::string family_of(const metrics_text& t, const std::string& name) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s{suffix};
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto base = name.substr(0, name.size() - s.size());
      auto i = t.types.find(base);
      if (i != t.types.end() && i->second == "histogram")
        return base;
    }
  }
  return name;
}

/// Checks the whole text: every line parses, every sample's family has HELP
/// and TYPE lines, and every histogram's buckets are cumulative, ascending in
/// `le`, end with +Inf, and +Inf equals _count.
inline void check_metrics_format(const metrics_text& t) {
  for (auto& l : t.bad_lines)
    BOOST_ERROR("malformed /metrics line: '" << l << "'");
  for (auto& s : t.samples) {
    auto f = family_of(t, s.name);
    BOOST_TEST(t.types.count(f) == 1u, "no TYPE line for " << f);
    BOOST_TEST(t.helps.count(f) == 1u, "no HELP line for " << f);
  }
  // Histograms: group the buckets by their labels without "le".
  std::map<std::string, std::vector<const metric_sample*>> buckets;
  for (auto& s : t.samples) {
    if (s.name.size() < 7 || s.name.compare(s.name.size() - 7, 7, "_bucket") != 0)
      continue;
    auto key = s.name.substr(0, s.name.size() - 7) + "|";
    for (auto& [k, v] : s.labels)
      if (k != "le")
        key += k + "=" + v + ",";
    buckets[key].push_back(&s);
  }
  for (auto& [key, bs] : buckets) {
    BOOST_TEST_CONTEXT("histogram " << key) {
      BOOST_REQUIRE(!bs.empty());
      double last_le = -1;
      double last_count = 0;
      for (auto* b : bs) {
        BOOST_REQUIRE(b->labels.count("le") == 1u);
        double le = b->labels.at("le") == "+Inf" ? 1e308 : std::stod(b->labels.at("le"));
        BOOST_TEST(le > last_le, "le not ascending");
        BOOST_TEST(b->number() >= last_count, "buckets not cumulative");
        last_le = le;
        last_count = b->number();
      }
      BOOST_TEST(bs.back()->labels.at("le") == "+Inf");
      auto base = key.substr(0, key.find('|'));
      auto labels = bs.back()->labels;
      labels.erase("le");
      auto count = t.value(base + "_count", labels);
      BOOST_REQUIRE(count);
      BOOST_TEST(*count == bs.back()->number(), "+Inf bucket differs from _count");
      BOOST_TEST(t.value(base + "_sum", labels).has_value());
    }
  }
}

} // namespace mn::test
