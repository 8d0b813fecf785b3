// Time reached through an interface so tests can drive it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace floe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that are stored or shown.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for intervals and timeouts.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;

  int64_t nowUnixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  int64_t nowUnixMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unixMillis = 1'700'000'000'000) : millis_(unixMillis) {}

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  void advance(std::chrono::milliseconds by) { millis_ += by.count(); }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace floe
