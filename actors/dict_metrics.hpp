#pragma once
// dict_metrics: the counters of one dict that GET /metrics reports (see
// runtime/metrics.hpp, which owns them and renders them). They live here, below
// runtime/, because the dict actor updates the commit histograms; nothing here
// knows of HTTP or of the text format.
//
// Cost: every update is a relaxed atomic add on a fixed slot, no lock and no
// allocation. An op costs two reads of op_clock and one histogram update (a
// bucket and the sum: two adds); its count is the sum of its buckets, read
// when rendered, so that the "ops total" counter and the histogram's count
// never disagree. Readers may see a bucket and the sum of slightly different
// moments; Prometheus allows it.
#include "storage/op.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace mn::actors {

/// The clock that times ops: the CPU's time stamp counter where it is
/// invariant (x86-64 with the "nonstop TSC" CPUID bit: constant rate, never
/// stops), else std::chrono::steady_clock. Why: on the test VM a TSC read
/// costs 12 ns and steady_clock::now() 29 ns (kvm-clock), and a local
/// dict::get, which reads it twice, takes about 500 ns. The TSC rate is
/// measured once against steady_clock (2 ms, at the first use; a node does it
/// when it starts, see runtime::metrics).
class op_clock {
public:
  using time_point = uint64_t;

  static time_point now() noexcept {
#if defined(__x86_64__)
    if (calibration().tsc)
      return __rdtsc();
#endif
    return static_cast<time_point>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  /// Nanoseconds from `from` to `to`; 0 when `to` is earlier (a thread moved
  /// to a core whose counter lags a little).
  static uint64_t nanoseconds(time_point from, time_point to) noexcept {
    if (to <= from)
      return 0;
    return static_cast<uint64_t>(static_cast<double>(to - from) * calibration().ns_per_tick);
  }

  /// Calibrates now (otherwise done by the first now()).
  static void init() noexcept { (void) calibration(); }

private:
  struct rate {
    bool tsc = false;
    double ns_per_tick = 1.0;
  };

  static const rate& calibration() noexcept {
    static const rate r = calibrate();
    return r;
  }

  static rate calibrate() noexcept {
    rate r;
#if defined(__x86_64__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0x80000007, &a, &b, &c, &d) == 0 || (d & (1u << 8)) == 0)
      return r; // no invariant TSC: steady_clock
    using namespace std::chrono;
    auto t0 = steady_clock::now();
    auto c0 = __rdtsc();
    auto t1 = t0;
    while (t1 - t0 < milliseconds(2))
      t1 = steady_clock::now();
    auto c1 = __rdtsc();
    if (c1 <= c0)
      return r;
    double ns = static_cast<double>(duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    double per_tick = ns / static_cast<double>(c1 - c0);
    if (per_tick > 0.01 && per_tick < 100) { // 10 MHz to 100 GHz: believable
      r.tsc = true;
      r.ns_per_tick = per_tick;
    }
#endif
    return r;
  }
};

/// Upper bounds of the op latency buckets, in nanoseconds (10 us to 10 s).
struct latency_bounds {
  static constexpr std::array<uint64_t, 19> values = {
    10'000,      25'000,      50'000,      100'000,       250'000,      500'000,     1'000'000,
    2'500'000,   5'000'000,   10'000'000,  25'000'000,    50'000'000,   100'000'000, 250'000'000,
    500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
  static constexpr double scale = 1e-9; ///< rendered in seconds
};

/// Upper bounds of the group-commit time buckets, in nanoseconds (100 us to 10 s).
struct commit_bounds {
  static constexpr std::array<uint64_t, 15> values = {
    100'000,     250'000,     500'000,       1'000'000,     2'500'000,
    5'000'000,   10'000'000,  25'000'000,    50'000'000,    100'000'000,
    250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 10'000'000'000};
  static constexpr double scale = 1e-9;
};

/// Upper bounds of the batch size buckets, in ops (1 to max_batch_ops).
struct batch_bounds {
  static constexpr std::array<uint64_t, 11> values = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  static constexpr double scale = 1;
};

/// A histogram of integer observations with the fixed bucket bounds of
/// `Bounds` (Bounds::values ascending; one more bucket for +Inf).
/// Thread-safe, lock-free.
template <class Bounds>
class histogram {
public:
  static constexpr std::size_t bounds = Bounds::values.size();

  void observe(uint64_t v) noexcept {
    std::size_t i = 0;
    while (i < bounds && v > Bounds::values[i])
      ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
  }

  /// Observations in bucket `i` alone (not cumulative); i == bounds is +Inf.
  uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  /// Sum of the observations, in the unit of Bounds::values.
  uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
  std::array<std::atomic<uint64_t>, bounds + 1> buckets_{};
  std::atomic<uint64_t> sum_{0};
};

/// Number of op kinds (storage::op_kind), the index of the per-op arrays.
inline constexpr std::size_t op_kind_count =
  static_cast<std::size_t>(storage::op_kind::set_many) + 1;

/// The metrics of one dict, as seen by this process.
struct dict_metrics {
  /// Latency of each op served here, by op kind (index: storage::op_kind).
  std::array<histogram<latency_bounds>, op_kind_count> latency;
  /// Ops of each kind that ended with an error.
  std::array<std::atomic<uint64_t>, op_kind_count> errors{};
  /// Ops per group commit (dict actor; only where this node owns the dict).
  histogram<batch_bounds> batch_size;
  /// Time of each group commit: the LMDB write transaction and its sync.
  histogram<commit_bounds> commit_time;

  /// Records one op of `kind` that took `ns` nanoseconds.
  void record(storage::op_kind kind, uint64_t ns, bool failed) noexcept {
    auto i = static_cast<std::size_t>(kind);
    latency[i].observe(ns);
    if (failed)
      errors[i].fetch_add(1, std::memory_order_relaxed);
  }
  /// Records one op of `kind` that started at `start` (op_clock::now()).
  void record_since(storage::op_kind kind, op_clock::time_point start, bool failed) noexcept {
    record(kind, op_clock::nanoseconds(start, op_clock::now()), failed);
  }
};

/// The stable name of op kind `k` in metric labels ("get", "set_if_absent").
inline const char* op_kind_name(storage::op_kind k) noexcept {
  switch (k) {
    case storage::op_kind::get: return "get";
    case storage::op_kind::contains: return "contains";
    case storage::op_kind::size: return "size";
    case storage::op_kind::keys: return "keys";
    case storage::op_kind::set: return "set";
    case storage::op_kind::erase: return "erase";
    case storage::op_kind::increment: return "increment";
    case storage::op_kind::cas: return "cas";
    case storage::op_kind::set_if_absent: return "set_if_absent";
    case storage::op_kind::set_many: return "set_many";
  }
  return "unknown";
}

} // namespace mn::actors
