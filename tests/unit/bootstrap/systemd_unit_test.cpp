#include "bootstrap/systemd_unit.h"

#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;

// Stands in for systemctl: systemd is not PID 1 on the test machines, so the unit is
// written for real and the systemctl calls are recorded and answered from a script.
class RecordingRunner final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv) override {
    std::string line;
    for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
    calls.push_back(line);
    auto answer = answers.find(line);
    return answer != answers.end() ? answer->second : CommandOutput{0, ""};
  }
  std::vector<std::string> calls;
  std::map<std::string, CommandOutput> answers;
};

TEST_CASE("renderK3sUnit: the unit k3s's installer would write", "[bootstrap][systemd]") {
  std::string server = renderK3sUnit(K3sRole::kServer, "/usr/local/bin/k3s", "/etc/rancher/k3s/config.yaml");
  CHECK(server.find("ExecStart=/usr/local/bin/k3s server --config /etc/rancher/k3s/config.yaml\n") !=
        std::string::npos);
  CHECK(server.find("Type=notify") != std::string::npos);
  CHECK(server.find("Restart=always") != std::string::npos);
  CHECK(renderK3sUnit(K3sRole::kAgent, "/k3s", "/c.yaml").find("ExecStart=/k3s agent --config /c.yaml") !=
        std::string::npos);
  CHECK(k3sUnitName(K3sRole::kAgent) == "k3s-agent.service");
}

TEST_CASE("SystemdUnit: install, status, remove", "[bootstrap][systemd]") {
  testing::TempDir dir;
  RecordingRunner runner;
  SystemdUnit unit("k3s.service", dir.path(), runner);
  REQUIRE(unit.install("[Unit]\n").isOk());
  CHECK(readFile(dir.path() / "k3s.service").value() == "[Unit]\n");
  CHECK(runner.calls == std::vector<std::string>{"systemctl daemon-reload", "systemctl enable --now k3s.service"});

  runner.answers["systemctl is-active k3s.service"] = {0, "active\n"};
  CHECK(unit.status().state == ServiceState::kRunning);
  runner.answers["systemctl is-active k3s.service"] = {3, "failed\n"};
  auto failed = unit.status();
  CHECK(failed.state == ServiceState::kFailed);
  CHECK(failed.detail.find("journalctl -u k3s.service") != std::string::npos);

  REQUIRE(unit.remove().isOk());
  CHECK_FALSE(fs::exists(dir.path() / "k3s.service"));
  runner.answers["systemctl is-active k3s.service"] = {3, "inactive\n"};
  CHECK(unit.status().state == ServiceState::kNotInstalled);
}

TEST_CASE("SystemdUnit: a failing systemctl is reported with its output", "[bootstrap][systemd]") {
  testing::TempDir dir;
  RecordingRunner runner;
  runner.answers["systemctl enable --now k3s-agent.service"] = {1, "Job for k3s-agent.service failed.\n"};
  SystemdUnit unit("k3s-agent.service", dir.path(), runner);
  auto installed = unit.install("[Unit]\n");
  CHECK(installed.code() == ErrorCode::kUnavailable);
  CHECK(installed.message().find("exited 1: Job for k3s-agent.service failed.") != std::string::npos);
}

TEST_CASE("systemdIsPid1 looks for /run/systemd/system", "[bootstrap][systemd]") {
  testing::TempDir dir;
  CHECK_FALSE(systemdIsPid1(dir.path() / "missing"));
  CHECK(systemdIsPid1(dir.path()));
}

}  // namespace
}  // namespace floe::bootstrap

namespace floe::bootstrap {
namespace {

TEST_CASE("parseK3sServiceMode: auto, systemd, supervised", "[bootstrap][systemd]") {
  CHECK_FALSE(parseK3sServiceMode("auto").value().has_value());
  CHECK(parseK3sServiceMode("systemd").value() == std::optional<bool>(true));
  CHECK(parseK3sServiceMode("supervised").value() == std::optional<bool>(false));
  CHECK(parseK3sServiceMode("docker").status().message().find("auto, systemd or supervised") != std::string::npos);
}

}  // namespace
}  // namespace floe::bootstrap
