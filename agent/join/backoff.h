// Jittered exponential backoff, so a rack of agents that lost the head do not all
// retry in the same instant when it comes back.
#pragma once

#include <chrono>
#include <functional>
#include <random>

namespace floe::agent {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum)
      : initial_(initial), maximum_(maximum), next_(initial), rng_(std::random_device{}()) {}

  // The next delay: the current step with ±25 % jitter; the step then doubles up to the maximum.
  std::chrono::milliseconds next() {
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    auto delay = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(next_.count()) * jitter(rng_)));
    next_ = std::min(maximum_, next_ * 2);
    return delay;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_, maximum_, next_;
  std::mt19937 rng_;
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

}  // namespace floe::agent
