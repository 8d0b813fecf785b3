// When and how long KubeClient waits before repeating a failed request.
#pragma once

#include <chrono>
#include <optional>

namespace floe::k8s {

struct RetryPolicy {
  int maxAttempts = 6;                                   // first try included
  std::chrono::milliseconds initialBackoff{250};
  std::chrono::milliseconds maxBackoff{8000};
  std::chrono::milliseconds totalBudget{60000};          // no retry starts after this
  double jitter = 0.2;                                   // +/- this fraction of each backoff
};

// The wait before attempt `attempt + 1` (attempt counts from 1). A server's Retry-After
// is honoured as given; otherwise exponential backoff, capped, with jitter from
// `unitRandom` in [0, 1).
std::chrono::milliseconds retryDelay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retryAfter, double unitRandom);

}  // namespace floe::k8s
