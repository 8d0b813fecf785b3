// A stop request that sleeping loops can wait on, so SIGTERM ends a 5 s wait at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace floe::agent {

class StopSignal {
 public:
  void requestStop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopRequested() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Waits up to `duration`; true when stopped.
  bool waitFor(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, duration, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace floe::agent
