// Waiting between retries goes through this interface so tests never sleep.
#pragma once

#include <chrono>
#include <stop_token>

namespace floe::k8s {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Waits `duration`, or less if stop is requested. Returns false when it was stopped.
  virtual bool sleepFor(std::chrono::milliseconds duration, std::stop_token stop) = 0;
};

class SystemSleeper final : public Sleeper {
 public:
  bool sleepFor(std::chrono::milliseconds duration, std::stop_token stop) override;
};

}  // namespace floe::k8s
