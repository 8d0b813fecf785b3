// k3s as a systemd unit, where systemd is PID 1: the unit k3s's own installer writes,
// installed, enabled and started through systemctl.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <string>

#include "bootstrap/command_runner.h"
#include "bootstrap/service_status.h"
#include "floe/common/status.h"

namespace floe::bootstrap {

enum class K3sRole { kServer, kAgent };

// "k3s.service" or "k3s-agent.service", the names k3s's installer uses.
std::string k3sUnitName(K3sRole role);

std::string renderK3sUnit(K3sRole role, const std::filesystem::path& binary, const std::filesystem::path& configFile);

// True when systemd manages this machine (the test sd_booted() uses).
bool systemdIsPid1(const std::filesystem::path& runDir = "/run/systemd/system");

// --k3s-service: "auto" (nullopt: a systemd unit where systemd is PID 1), "systemd" or
// "supervised" (floe runs k3s as its child, e.g. for several simulated nodes on one host).
Result<std::optional<bool>> parseK3sServiceMode(std::string_view mode);

class SystemdUnit {
 public:
  SystemdUnit(std::string name, std::filesystem::path unitDir, CommandRunner& runner)
      : name_(std::move(name)), unitDir_(std::move(unitDir)), runner_(runner) {}

  std::filesystem::path unitFile() const { return unitDir_ / name_; }
  // Writes the unit, reloads systemd, enables and starts it.
  Status install(const std::string& unitText);
  // Stops and disables the unit and removes its file. A unit that is not there is fine.
  Status remove();
  ServiceStatus status();

 private:
  Status systemctl(std::vector<std::string> args);

  std::string name_;
  std::filesystem::path unitDir_;
  CommandRunner& runner_;
};

}  // namespace floe::bootstrap
