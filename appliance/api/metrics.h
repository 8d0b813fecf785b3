// Request counters and latency histograms, rendered in the Prometheus text format.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace floe::appliance {

class Metrics {
 public:
  // `route` is the pattern (/api/v1/nodes/{id}), never the raw path, to bound cardinality.
  void recordRequest(const std::string& route, const std::string& method, int status,
                     std::chrono::duration<double> elapsed);
  // The request families; gauges are appended by the caller.
  std::string renderRequests() const;

  static constexpr std::array<double, 12> kBucketsSeconds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                             0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

 private:
  struct Histogram {
    std::array<uint64_t, kBucketsSeconds.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace floe::appliance
