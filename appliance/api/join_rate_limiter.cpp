#include "api/join_rate_limiter.h"

namespace floe::appliance {

constexpr size_t kMaxTrackedAddresses = 100'000;

void JoinRateLimiter::forgetOld(std::deque<std::chrono::steady_clock::time_point>& failures,
                                std::chrono::steady_clock::time_point now) const {
  while (!failures.empty() && now - failures.front() >= window_) failures.pop_front();
}

int64_t JoinRateLimiter::retryAfterSeconds(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return 0;
  auto now = clock_.steadyNow();
  forgetOld(it->second, now);
  if (static_cast<int>(it->second.size()) < maxFailures_) return 0;
  auto wait = std::chrono::ceil<std::chrono::seconds>(it->second.front() + window_ - now);
  return std::max<int64_t>(1, wait.count());
}

void JoinRateLimiter::recordFailure(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto now = clock_.steadyNow();
  if (failures_.size() >= kMaxTrackedAddresses) {
    // Bound memory under an address-spraying attack: drop entries with nothing recent.
    for (auto it = failures_.begin(); it != failures_.end();) {
      forgetOld(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
  }
  failures_[address].push_back(now);
}

}  // namespace floe::appliance
