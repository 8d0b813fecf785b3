#include "agent/k3s/k3s_agent.h"

#include <spdlog/spdlog.h>

#include "bootstrap/k3s_config.h"
#include "bootstrap/k3s_locator.h"
#include "floe/cluster/node_labels.h"
#include "floe/common/files.h"

namespace floe::agent {

Result<K3sAgentSetup> configureK3sAgent(const JoinedIdentity& identity, const nlohmann::json& inventory,
                                         const std::map<std::string, std::string>& joinLabels,
                                         const K3sAgentOptions& options, const AgentStateDir& stateDir,
                                         bootstrap::CommandRunner& runner) {
  K3sAgentSetup setup;
  std::string serverUrl = identity.k3s.is_object() ? identity.k3s.value("server_url", "") : "";
  std::string token = identity.k3s.is_object() ? identity.k3s.value("token", "") : "";
  if (!options.enabled) {
    setup.why = "--no-k3s was given";
    return setup;
  }
  if (serverUrl.empty() || token.empty()) {
    setup.why = "the head runs without Kubernetes (it sent no k3s server)";
    return setup;
  }
  bootstrap::K3sLocateOptions locate;
  locate.binary = options.binary;
  locate.installDir = options.installDir;
  locate.paths = options.paths;
  auto binary = bootstrap::locateK3s(locate);
  if (!binary.isOk()) return binary.status().withContext("starting the k3s agent");

  auto labelling = cluster::labelsFromInventory(inventory, cluster::NodeRole::kWorker);
  for (const auto& [key, value] : joinLabels) labelling.labels[key] = value;
  bootstrap::K3sAgentConfig config;
  config.paths = options.paths;
  config.serverUrl = serverUrl;
  config.agentToken = token;
  config.nodeName = identity.name;
  config.nodeLabels = labelling.labels;
  config.nodeTaints = labelling.taints;
  FLOE_RETURN_IF_ERROR(bootstrap::writeK3sConfigFile(options.paths.configFile(), bootstrap::renderAgentConfig(config)));

  bootstrap::K3sInstallation& k = setup.installation;
  k.role = bootstrap::K3sRole::kAgent;
  k.systemd = options.systemd.value_or(bootstrap::systemdIsPid1());
  k.binary = binary->path;
  k.paths = options.paths;
  k.serverUrl = serverUrl;
  k.agentToken = token;
  FLOE_RETURN_IF_ERROR(bootstrap::saveInstallation(k3sInstallationFile(stateDir), k));
  if (k.systemd) {
    bootstrap::SystemdUnit unit(bootstrap::k3sUnitName(k.role), k.unitDir, runner);
    FLOE_RETURN_IF_ERROR(
        unit.install(bootstrap::renderK3sUnit(k.role, k.binary, k.paths.configFile())).withContext("starting the k3s agent"));
  }
  spdlog::info("k3s agent configured server={} node={} binary={} mode={}", serverUrl, identity.name,
               k.binary.string(), k.systemd ? "systemd" : "supervised");
  setup.configured = true;
  setup.binarySource = binary->source;
  return setup;
}

Status saveK3sAgentOptions(const AgentStateDir& stateDir, const K3sAgentOptions& options) {
  nlohmann::json out = {{"enabled", options.enabled},
                        {"binary", options.binary ? options.binary->string() : ""},
                        {"install_dir", options.installDir.string()},
                        {"config_dir", options.paths.configDir.string()},
                        {"data_dir", options.paths.dataDir.string()}};
  if (options.systemd) out["systemd"] = *options.systemd;
  return writeFileAtomically(k3sOptionsFile(stateDir), out.dump(2) + "\n",
                             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

Result<K3sAgentOptions> loadK3sAgentOptions(const AgentStateDir& stateDir) {
  K3sAgentOptions options;
  std::error_code ec;
  if (!std::filesystem::exists(k3sOptionsFile(stateDir), ec)) {
    // Never guess: defaults could start k3s on a node joined with --no-k3s.
    return notFound(k3sOptionsFile(stateDir).string() + " is missing (a join interrupted before it was written); "
                    "run the join command again to set up the k3s agent");
  }
  FLOE_ASSIGN_OR_RETURN(std::string text, readFile(k3sOptionsFile(stateDir)));
  auto in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_object()) return failedPrecondition(k3sOptionsFile(stateDir).string() + " is corrupt; join again");
  options.enabled = in.value("enabled", true);
  if (!in.value("binary", "").empty()) options.binary = in.value("binary", "");
  options.installDir = in.value("install_dir", options.installDir.string());
  options.paths = {in.value("config_dir", options.paths.configDir.string()),
                   in.value("data_dir", options.paths.dataDir.string())};
  if (in.contains("systemd") && in["systemd"].is_boolean()) options.systemd = in["systemd"].get<bool>();
  return options;
}

Status removeK3sAgent(const AgentStateDir& stateDir, bootstrap::CommandRunner& runner) {
  FLOE_ASSIGN_OR_RETURN(auto installation, bootstrap::loadInstallation(k3sInstallationFile(stateDir)));
  if (installation) {
    FLOE_RETURN_IF_ERROR(bootstrap::removeInstallation(*installation, runner).withContext("removing the k3s agent"));
  }
  std::error_code ec;
  std::filesystem::remove(k3sInstallationFile(stateDir), ec);
  std::filesystem::remove(k3sOptionsFile(stateDir), ec);
  std::filesystem::remove_all(k3sAgentLogFile(stateDir).parent_path(), ec);
  return Status::ok();
}

}  // namespace floe::agent
