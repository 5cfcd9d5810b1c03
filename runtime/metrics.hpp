#pragma once
// runtime::metrics: the registry behind GET /metrics. It hands out one
// actors::dict_metrics per dict name (held by every handle of that dict and by
// its dict actor, which update it lock-free) and renders everything in the
// Prometheus text format 0.0.4:
//
//   mn_dict_ops_total{dict,op}                 counter    calls made or served here (*)
//   mn_dict_op_errors_total{dict,op}           counter    those that failed
//   mn_dict_op_duration_seconds{dict,op}       histogram  their latency
//   mn_dict_commit_batch_size{dict}            histogram  ops per group commit (owner)
//   mn_dict_commit_duration_seconds{dict}      histogram  LMDB commit + sync (owner)
//   mn_dict_keys{dict}                         gauge      keys of the dicts this node owns
//   mn_member_up{member}                       gauge      1 when the member answers, else 0
//   mn_http_requests_total{code}               counter    HTTP requests answered, by status
//
// (*) A process counts the calls made through its blocking API (mn::dict, so
// also HTTP), for any dict; the owner of a dict also counts the requests it
// serves as messages or on the fast path. So a remote call shows on both.
//
// Series appear once they have data (a dict's op series after its first op of
// that kind). Gauges are read at scrape time and handed to render().
#include "actors/dict_metrics.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mn::runtime {

class metrics {
public:
  /// What a scrape reads rather than counts.
  struct gauges {
    std::vector<std::pair<std::string, uint64_t>> dict_keys; ///< dict name, keys
    std::vector<std::pair<std::string, bool>> members_up;    ///< member name, answers
  };

  /// Calibrates actors::op_clock, so that no op pays for it.
  metrics();

  /// The counters of dict `name`, made on first use: every handle and the
  /// actor of one dict share them. Thread-safe (takes a lock: call it when a
  /// handle is made, not per op).
  std::shared_ptr<actors::dict_metrics> dict(const std::string& name);

  /// Counts one HTTP request answered with `status` (100-599; others are
  /// counted as 599). Lock-free.
  void count_http(int status) noexcept;

  /// Every metric in the Prometheus text format 0.0.4.
  std::string render(const gauges& g) const;

  /// The content type of render()'s text.
  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
  mutable std::mutex mu_; // guards dicts_ (the map, not the counters)
  std::map<std::string, std::shared_ptr<actors::dict_metrics>> dicts_;
  std::array<std::atomic<uint64_t>, 600> http_{}; // by status code
};

} // namespace mn::runtime
