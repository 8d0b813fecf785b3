#include "floe/k8s/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace floe::k8s {

std::chrono::milliseconds retryDelay(const RetryPolicy& policy, int attempt,
                                     std::optional<std::chrono::seconds> retryAfter, double unitRandom) {
  // The server knows its own load best; its Retry-After is used without jitter.
  if (retryAfter && retryAfter->count() > 0) return *retryAfter;
  double base = static_cast<double>(policy.initialBackoff.count()) *
                std::pow(2.0, static_cast<double>(std::max(0, attempt - 1)));
  base = std::min(base, static_cast<double>(policy.maxBackoff.count()));
  // Jitter spreads the retries of many clients that failed together.
  double factor = 1.0 + policy.jitter * (2.0 * std::clamp(unitRandom, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(base * factor)));
}

}  // namespace floe::k8s
