#include "runtime/metrics.hpp"

#include <cstdio>

namespace mn::runtime {

namespace {

// A label value with \, " and newline escaped (text format 0.0.4).
std::string escaped(const std::string& x) {
  std::string out;
  out.reserve(x.size());
  for (char c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", x);
  return buf;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels,
            const std::string& value) {
  out += name;
  out += '{';
  out += labels;
  out += "} ";
  out += value;
  out += '\n';
}

// One histogram read at one moment (its buckets may move while we render).
template <class Bounds>
struct snapshot {
  std::array<uint64_t, Bounds::values.size() + 1> buckets{};
  uint64_t sum = 0;
  uint64_t count = 0;
};

template <class Bounds>
snapshot<Bounds> read(const actors::histogram<Bounds>& h) {
  snapshot<Bounds> s;
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    s.buckets[i] = h.bucket(i);
    s.count += s.buckets[i];
  }
  s.sum = h.sum();
  return s;
}

// The samples of one histogram: cumulative buckets ending with +Inf (which is
// the count), then _sum and _count. `labels` ends without a comma.
template <class Bounds>
void histogram_samples(std::string& out, const std::string& name, const std::string& labels,
                       const snapshot<Bounds>& h) {
  uint64_t cumulative = 0;
  auto prefix = labels.empty() ? std::string{} : labels + ",";
  for (std::size_t i = 0; i < Bounds::values.size(); ++i) {
    cumulative += h.buckets[i];
    sample(out, name + "_bucket",
           prefix + "le=\"" + number(static_cast<double>(Bounds::values[i]) * Bounds::scale)
             + "\"",
           std::to_string(cumulative));
  }
  cumulative += h.buckets.back();
  sample(out, name + "_bucket", prefix + "le=\"+Inf\"", std::to_string(cumulative));
  sample(out, name + "_sum", labels, number(static_cast<double>(h.sum) * Bounds::scale));
  sample(out, name + "_count", labels, std::to_string(cumulative));
}

std::string dict_label(const std::string& name) {
  return "dict=\"" + escaped(name) + "\"";
}

} // namespace

metrics::metrics() {
  actors::op_clock::init();
}

std::shared_ptr<actors::dict_metrics> metrics::dict(const std::string& name) {
  std::lock_guard<std::mutex> guard{mu_};
  auto& m = dicts_[name];
  if (!m)
    m = std::make_shared<actors::dict_metrics>();
  return m;
}

void metrics::count_http(int status) noexcept {
  if (status < 100 || status > 599)
    status = 599;
  http_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render(const gauges& g) const {
  std::map<std::string, std::shared_ptr<actors::dict_metrics>> dicts;
  {
    std::lock_guard<std::mutex> guard{mu_};
    dicts = dicts_;
  }
  // Each (dict, op) histogram is read once, so that the counter and the
  // histogram of one scrape agree.
  struct series {
    std::string labels;
    snapshot<actors::latency_bounds> latency;
    uint64_t errors;
  };
  std::vector<series> ops;
  for (auto& [name, m] : dicts)
    for (std::size_t i = 0; i < actors::op_kind_count; ++i) {
      auto h = read(m->latency[i]);
      if (h.count == 0)
        continue;
      ops.push_back({dict_label(name) + ",op=\""
                       + actors::op_kind_name(static_cast<storage::op_kind>(i)) + "\"",
                     h, m->errors[i].load(std::memory_order_relaxed)});
    }
  std::string out;
  family(out, "mn_dict_ops_total", "counter",
         "Dict operations called on this node (blocking API, HTTP) or served here for others "
         "(fast path, CAF messages from other nodes and from actors).");
  for (auto& s : ops)
    sample(out, "mn_dict_ops_total", s.labels, std::to_string(s.latency.count));
  family(out, "mn_dict_op_errors_total", "counter",
         "Dict operations that ended with an error (mn::errc).");
  for (auto& s : ops)
    sample(out, "mn_dict_op_errors_total", s.labels, std::to_string(s.errors));
  family(out, "mn_dict_op_duration_seconds", "histogram",
         "Latency of dict operations where this node serves them.");
  for (auto& s : ops)
    histogram_samples(out, "mn_dict_op_duration_seconds", s.labels, s.latency);
  family(out, "mn_dict_commit_batch_size", "histogram",
         "Operations per group commit of the dict actor (dicts this node owns).");
  for (auto& [name, m] : dicts)
    if (auto h = read(m->batch_size); h.count > 0)
      histogram_samples(out, "mn_dict_commit_batch_size", dict_label(name), h);
  family(out, "mn_dict_commit_duration_seconds", "histogram",
         "Time of each group commit: the LMDB write transaction and its sync.");
  for (auto& [name, m] : dicts)
    if (auto h = read(m->commit_time); h.count > 0)
      histogram_samples(out, "mn_dict_commit_duration_seconds", dict_label(name), h);
  family(out, "mn_dict_keys", "gauge", "Keys in each dict this node owns.");
  for (auto& [name, n] : g.dict_keys)
    sample(out, "mn_dict_keys", dict_label(name), std::to_string(n));
  family(out, "mn_member_up", "gauge", "1 when the cluster member answers this node now, else 0.");
  for (auto& [name, up] : g.members_up)
    sample(out, "mn_member_up", "member=\"" + escaped(name) + "\"", up ? "1" : "0");
  family(out, "mn_http_requests_total", "counter", "HTTP requests answered, by status code.");
  for (std::size_t code = 100; code < http_.size(); ++code)
    if (auto n = http_[code].load(std::memory_order_relaxed); n > 0)
      sample(out, "mn_http_requests_total", "code=\"" + std::to_string(code) + "\"",
             std::to_string(n));
  return out;
}

} // namespace mn::runtime
