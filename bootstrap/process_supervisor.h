// Runs a long-lived child process (k3s server or agent where systemd is not PID 1) and
// keeps it running: restart with backoff when it exits, output appended to a log file,
// SIGTERM then SIGKILL on stop. The child is asked to die with its supervisor
// (PR_SET_PDEATHSIG), so a killed floe never leaves a k3s that a restarted floe would
// collide with.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bootstrap/service_status.h"
#include "floe/common/clock.h"
#include "floe/common/status.h"

namespace floe::bootstrap {

struct SupervisedCommand {
  std::string name;                     // for logs: "k3s server"
  std::vector<std::string> argv;        // argv[0] is the executable's path
  std::filesystem::path logFile;        // the child's stdout and stderr, appended
  size_t maxLogBytes = 32u << 20;       // rotated to <logFile>.1 at a (re)start beyond this
  std::chrono::milliseconds initialBackoff{1000};
  std::chrono::milliseconds maxBackoff{30000};
  // A run this long counts as healthy: the backoff starts again from the beginning.
  std::chrono::seconds healthyAfter{30};
  std::chrono::milliseconds stopTimeout{30000};
  std::chrono::milliseconds pollInterval{200};
  // Offer the child $NOTIFY_SOCKET, systemd's readiness protocol: k3s sends READY=1
  // when it is up, under floe exactly as under a Type=notify unit.
  bool notifyReadiness = false;
};

// Answers "is the service ready?" while the child runs (e.g. the API server's /readyz).
// Without one, a child that has notified READY=1 or stayed up for healthyAfter counts
// as running.
using ReadinessProbe = std::function<bool()>;

class ProcessSupervisor {
 public:
  ProcessSupervisor(SupervisedCommand command, ReadinessProbe probe, const Clock& clock);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Starts the child and the thread that watches it. An error when the first spawn
  // fails (missing executable, unwritable log); later failures are retried.
  Status start();
  // SIGTERM to the child's process group, SIGKILL after stopTimeout. Idempotent.
  void stop();
  ServiceStatus status() const;

 private:
  Result<int> spawn();
  void superviseLoop(int firstPid);
  // Waits for the child, probing readiness; returns its wait status, or nullopt on stop.
  std::optional<int> watchChild(int pid);
  void terminate(int pid);
  void setState(ServiceState state, std::string detail);
  bool sleepUnlessStopped(std::chrono::milliseconds delay);
  Status openNotifySocket();
  bool receivedReady(int childPid);

  SupervisedCommand command_;
  ReadinessProbe probe_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  ServiceStatus status_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  int notifyFd_ = -1;
  std::string notifyAddress_;  // "@floe-notify-<pid>-<n>": an abstract socket, nothing on disk
};

}  // namespace floe::bootstrap
