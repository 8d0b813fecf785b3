#include "floe/k8s/sleeper.h"

#include <condition_variable>
#include <mutex>

namespace floe::k8s {

bool SystemSleeper::sleepFor(std::chrono::milliseconds duration, std::stop_token stop) {
  // condition_variable_any wakes on a stop request, so stop() never waits out a backoff.
  std::mutex mutex;
  std::condition_variable_any wakeup;
  std::unique_lock lock(mutex);
  wakeup.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace floe::k8s
