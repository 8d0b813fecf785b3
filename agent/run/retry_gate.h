// Spaces out the retries of a step that keeps failing while the agent runs (setting up the
// k3s agent the head offered after approval). Without it the step ran, and logged the same
// error, on every heartbeat for as long as the host stayed broken.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/join/backoff.h"
#include "floe/common/clock.h"

namespace floe::agent {

class RetryGate {
 public:
  RetryGate(const Clock& clock, Backoff backoff) : clock_(clock), backoff_(backoff) {}

  // True when an attempt may run now: never failed, or the last failure's delay has passed.
  bool due() const { return !notBefore_ || clock_.steadyNow() >= *notBefore_; }

  struct Failure {
    std::chrono::milliseconds retryIn;
    bool newReason;  // differs from the previous failure's reason: worth an error line
  };
  Failure failed(const std::string& why) {
    auto delay = backoff_.next();
    notBefore_ = clock_.steadyNow() + delay;
    bool changed = why != lastReason_;
    lastReason_ = why;
    return {delay, changed};
  }

  void succeeded() {
    notBefore_.reset();
    lastReason_.clear();
    backoff_.reset();
  }

 private:
  const Clock& clock_;
  Backoff backoff_;
  std::optional<std::chrono::steady_clock::time_point> notBefore_;
  std::string lastReason_;
};

}  // namespace floe::agent
