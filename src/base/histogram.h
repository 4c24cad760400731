// A latency histogram with fixed buckets: the one shape every duration metric of the server
// takes (HTTP handler latency, store operations). It lives here, below every layer, so that a
// lower layer (the store backends) can record into one without knowing about metrics or HTTP;
// http/metrics.h renders them in the Prometheus text format.
//
// Cost of observe(): a few relaxed atomic adds, no lock, no allocation. Thread-safe: observe()
// and snapshot() may run concurrently from any thread.
//
// Example:
//   base::LatencyHistogram h;
//   { base::ScopedLatency timed(&h); ... }  // one observation when the scope ends
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tessera::base {

class LatencyHistogram {
 public:
  // Upper bounds (seconds) of the buckets, inclusive; +Inf is implied after the last.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  // The same bounds as Prometheus writes them in `le` labels.
  static constexpr std::array<const char*, kBounds.size()> kBoundLabels = {
      "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
      "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

  // Counts one duration (negative ones as zero).
  void observe(std::chrono::nanoseconds elapsed) {
    const std::int64_t ns = elapsed.count() < 0 ? 0 : elapsed.count();
    const double seconds = static_cast<double>(ns) / 1e9;
    std::size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  }

  // A consistent reading: `cumulative[i]` counts observations <= kBounds[i], the last entry
  // (+Inf) is the count. Read from the per-bucket counts, so count always equals the +Inf
  // bucket even while observations race the read (the sum may lag or lead by those).
  struct Snapshot {
    std::array<std::uint64_t, kBounds.size() + 1> cumulative{};
    std::uint64_t count() const { return cumulative.back(); }
    double sum_seconds = 0;
  };
  Snapshot snapshot() const {
    Snapshot s;
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      running += buckets_[b].load(std::memory_order_relaxed);
      s.cumulative[b] = running;
    }
    s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // per bucket, +Inf last
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Observes the time from construction to destruction into `histogram`; a null histogram costs
// nothing (no clock read). Not copyable or movable: it times one scope.
class ScopedLatency {
 public:
  explicit ScopedLatency(LatencyHistogram* histogram)
      : histogram_(histogram),
        start_(histogram != nullptr ? std::chrono::steady_clock::now()
                                    : std::chrono::steady_clock::time_point{}) {}
  ~ScopedLatency() {
    if (histogram_ != nullptr) histogram_->observe(std::chrono::steady_clock::now() - start_);
  }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  LatencyHistogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tessera::base
