#include "api/metrics.h"

#include <fmt/format.h>

namespace floe::appliance {

void Metrics::recordRequest(const std::string& route, const std::string& method, int status,
                            std::chrono::duration<double> elapsed) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  double seconds = elapsed.count();
  for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    if (seconds <= kBucketsSeconds[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::renderRequests() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP floe_http_requests_total HTTP requests served, by route pattern, method and status.\n";
  out += "# TYPE floe_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("floe_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n", route,
                       method, status, count);
  }
  out += "# HELP floe_http_request_duration_seconds Time to handle a request, by route pattern.\n";
  out += "# TYPE floe_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
      out += fmt::format("floe_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBucketsSeconds[i], h.buckets[i]);
    }
    out += fmt::format("floe_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
                       h.count);
    out += fmt::format("floe_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("floe_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  return out;
}

}  // namespace floe::appliance
