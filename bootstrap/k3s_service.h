// Starting k3s (server or agent) the way this machine allows: a systemd unit where
// systemd is PID 1, otherwise a child process that floe supervises (restarts, log file).
#pragma once

#include <filesystem>
#include <memory>

#include "bootstrap/command_runner.h"
#include "bootstrap/k3s_installation.h"
#include "bootstrap/process_supervisor.h"
#include "bootstrap/service_status.h"
#include "floe/common/clock.h"

namespace floe::bootstrap {

class K3sService {
 public:
  virtual ~K3sService() = default;
  // Supervised: spawns k3s. Systemd: (re)installs, enables and starts the unit.
  virtual Status start() = 0;
  // Supervised: stops k3s with its supervisor. Systemd: nothing; systemd keeps it running.
  virtual void stop() = 0;
  virtual ServiceStatus status() = 0;
};

// `logFile` receives a supervised k3s's output; `probe` tells a running k3s is ready.
std::unique_ptr<K3sService> makeK3sService(const K3sInstallation& installation, std::filesystem::path logFile,
                                           ReadinessProbe probe, CommandRunner& runner, const Clock& clock);

}  // namespace floe::bootstrap
