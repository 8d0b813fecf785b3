// Limits failed join attempts per source address, so a token cannot be guessed
// by brute force and a misconfigured agent cannot hammer the head.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "floe/common/clock.h"

namespace floe::appliance {

class JoinRateLimiter {
 public:
  JoinRateLimiter(const Clock& clock, int maxFailuresPerWindow,
                  std::chrono::seconds window = std::chrono::seconds(60))
      : clock_(clock), maxFailures_(maxFailuresPerWindow), window_(window) {}

  // Seconds until `address` may try again; 0 when it may try now.
  int64_t retryAfterSeconds(const std::string& address);
  void recordFailure(const std::string& address);

 private:
  void forgetOld(std::deque<std::chrono::steady_clock::time_point>& failures,
                 std::chrono::steady_clock::time_point now) const;

  const Clock& clock_;
  int maxFailures_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_;
};

}  // namespace floe::appliance
