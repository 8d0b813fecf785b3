// The worker's k3s agent: configured from the join's k3s parameters (server URL and
// agent token, received only over the CA-pinned channel), started where this machine
// allows (systemd unit, or supervised by `floe-agent run`), undone by `floe-agent leave`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/state/agent_state.h"
#include "bootstrap/command_runner.h"
#include "bootstrap/k3s_installation.h"
#include "floe/common/status.h"

namespace floe::agent {

struct K3sAgentOptions {
  bool enabled = true;                          // --no-k3s: join without Kubernetes
  std::optional<std::filesystem::path> binary;  // --k3s-binary
  std::filesystem::path installDir = "/usr/local/bin";
  bootstrap::K3sPaths paths;                    // --k3s-config-dir, --k3s-data-dir
  std::optional<bool> systemd;                  // default: whether systemd is PID 1
};

inline std::filesystem::path k3sInstallationFile(const AgentStateDir& stateDir) {
  return stateDir.root() / "k3s.json";
}
// The --k3s-* choices of the last join, kept for a node that joined pending: it sets up
// its k3s agent when the head offers the parameters after approval.
inline std::filesystem::path k3sOptionsFile(const AgentStateDir& stateDir) {
  return stateDir.root() / "k3s-options.json";
}
Status saveK3sAgentOptions(const AgentStateDir& stateDir, const K3sAgentOptions& options);
// kNotFound when no join wrote them.
Result<K3sAgentOptions> loadK3sAgentOptions(const AgentStateDir& stateDir);

inline std::filesystem::path k3sAgentLogFile(const AgentStateDir& stateDir) {
  return stateDir.root() / "logs" / "k3s-agent.log";
}

struct K3sAgentSetup {
  bool configured = false;
  std::string why;  // when not configured: for the user
  bootstrap::K3sInstallation installation;
  std::string binarySource;
};

// Renders the k3s agent config (labels and taints from the inventory plus the join's
// labels), records the installation and, under systemd, installs and starts the unit.
Result<K3sAgentSetup> configureK3sAgent(const JoinedIdentity& identity, const nlohmann::json& inventory,
                                         const std::map<std::string, std::string>& joinLabels,
                                         const K3sAgentOptions& options, const AgentStateDir& stateDir,
                                         bootstrap::CommandRunner& runner);

// Undoes configureK3sAgent (nothing to do when k3s was never configured).
Status removeK3sAgent(const AgentStateDir& stateDir, bootstrap::CommandRunner& runner);

}  // namespace floe::agent
