#include "bootstrap/systemd_unit.h"

#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string k3sUnitName(K3sRole role) { return role == K3sRole::kServer ? "k3s.service" : "k3s-agent.service"; }

std::string renderK3sUnit(K3sRole role, const fs::path& binary, const fs::path& configFile) {
  bool server = role == K3sRole::kServer;
  // The settings k3s's install.sh writes; Type=notify because k3s signals readiness.
  return std::string("# Written by floe; `floe reset` / `floe-agent leave` remove it.\n") +
         "[Unit]\n"
         "Description=Lightweight Kubernetes (k3s " + (server ? "server" : "agent") + ", managed by floe)\n"
         "Documentation=https://k3s.io\n"
         "Wants=network-online.target\n"
         "After=network-online.target\n\n"
         "[Service]\n"
         "Type=notify\n"
         "ExecStartPre=-/sbin/modprobe br_netfilter\n"
         "ExecStartPre=-/sbin/modprobe overlay\n"
         "ExecStart=" + binary.string() + (server ? " server" : " agent") + " --config " + configFile.string() + "\n"
         "KillMode=process\n"
         "Delegate=yes\n"
         "LimitNOFILE=1048576\n"
         "LimitNPROC=infinity\n"
         "LimitCORE=infinity\n"
         "TasksMax=infinity\n"
         "TimeoutStartSec=0\n"
         "Restart=always\n"
         "RestartSec=5s\n\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

Result<std::optional<bool>> parseK3sServiceMode(std::string_view mode) {
  if (mode == "auto") return std::optional<bool>();
  if (mode == "systemd") return std::optional<bool>(true);
  if (mode == "supervised") return std::optional<bool>(false);
  return invalidArgument("--k3s-service must be auto, systemd or supervised, not '" + std::string(mode) + "'");
}

bool systemdIsPid1(const fs::path& runDir) {
  std::error_code ec;
  return fs::is_directory(runDir, ec);
}

Status SystemdUnit::systemctl(std::vector<std::string> args) {
  args.insert(args.begin(), "systemctl");
  FLOE_ASSIGN_OR_RETURN(auto result, runner_.run(args));
  if (result.exitCode != 0) {
    std::string command;
    for (const auto& arg : args) command += (command.empty() ? "" : " ") + arg;
    return unavailable("`" + command + "` exited " + std::to_string(result.exitCode) + ": " +
                       trimmed(result.output) + " (see `journalctl -u " + name_ + "`)");
  }
  return Status::ok();
}

Status SystemdUnit::install(const std::string& unitText) {
  FLOE_RETURN_IF_ERROR(writeFileAtomically(unitFile(), unitText,
                                           fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                               fs::perms::others_read));
  FLOE_RETURN_IF_ERROR(systemctl({"daemon-reload"}));
  return systemctl({"enable", "--now", name_});
}

Status SystemdUnit::remove() {
  std::error_code ec;
  if (!fs::exists(unitFile(), ec)) return Status::ok();
  // Stopping a unit that is not running is not an error worth failing a reset for.
  (void)systemctl({"disable", "--now", name_});
  if (!fs::remove(unitFile(), ec) && ec) return ioError("removing " + unitFile().string() + ": " + ec.message());
  return systemctl({"daemon-reload"});
}

ServiceStatus SystemdUnit::status() {
  ServiceStatus status;
  status.mode = "systemd";
  auto result = runner_.run({"systemctl", "is-active", name_});
  std::string state = result.isOk() ? trimmed(result->output) : "unknown";
  if (state == "active") {
    status.state = ServiceState::kRunning;
  } else if (state == "activating" || state == "reloading") {
    status.state = ServiceState::kStarting;
  } else if (state == "inactive" && !std::filesystem::exists(unitFile())) {
    status.state = ServiceState::kNotInstalled;
  } else {
    status.state = ServiceState::kFailed;
    status.detail = name_ + " is " + state + " (see `journalctl -u " + name_ + "`)";
  }
  return status;
}

}  // namespace floe::bootstrap
