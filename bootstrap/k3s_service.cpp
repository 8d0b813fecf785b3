#include "bootstrap/k3s_service.h"

namespace floe::bootstrap {
namespace {

std::vector<std::string> k3sCommand(const K3sInstallation& k) {
  return {k.binary.string(), k.role == K3sRole::kServer ? "server" : "agent", "--config", k.paths.configFile().string()};
}

SupervisedCommand commandFor(const K3sInstallation& k, std::filesystem::path logFile) {
  SupervisedCommand command;
  command.name = k.role == K3sRole::kServer ? "k3s server" : "k3s agent";
  command.argv = k3sCommand(k);
  command.logFile = std::move(logFile);
  command.notifyReadiness = true;
  return command;
}

class SupervisedK3s final : public K3sService {
 public:
  SupervisedK3s(const K3sInstallation& k, std::filesystem::path logFile, ReadinessProbe probe, const Clock& clock)
      : supervisor_(commandFor(k, std::move(logFile)), std::move(probe), clock) {}

  Status start() override { return supervisor_.start(); }
  void stop() override { supervisor_.stop(); }
  ServiceStatus status() override { return supervisor_.status(); }

 private:
  ProcessSupervisor supervisor_;
};

class SystemdK3s final : public K3sService {
 public:
  SystemdK3s(const K3sInstallation& k, ReadinessProbe probe, CommandRunner& runner)
      : installation_(k), unit_(k3sUnitName(k.role), k.unitDir, runner), probe_(std::move(probe)) {}

  Status start() override {
    std::string text = renderK3sUnit(installation_.role, installation_.binary, installation_.paths.configFile());
    return unit_.install(text);
  }
  void stop() override {}
  ServiceStatus status() override {
    ServiceStatus status = unit_.status();
    // systemd's "active" means k3s signalled readiness; the probe adds the API's own view.
    if (status.state == ServiceState::kRunning && probe_ && !probe_()) {
      status.state = ServiceState::kStarting;
      status.detail = "the unit is active but the API server is not ready yet";
    }
    return status;
  }

 private:
  K3sInstallation installation_;
  SystemdUnit unit_;
  ReadinessProbe probe_;
};

}  // namespace

std::unique_ptr<K3sService> makeK3sService(const K3sInstallation& installation, std::filesystem::path logFile,
                                           ReadinessProbe probe, CommandRunner& runner, const Clock& clock) {
  if (installation.systemd) return std::make_unique<SystemdK3s>(installation, std::move(probe), runner);
  return std::make_unique<SupervisedK3s>(installation, std::move(logFile), std::move(probe), clock);
}

}  // namespace floe::bootstrap
