#include "cluster/k3s_server.h"

#include <thread>

#include "bootstrap/k3s_config.h"
#include "bootstrap/k3s_installation.h"
#include "bootstrap/k3s_locator.h"
#include "cluster/kube_connection.h"
#include "floe/cluster/node_labels.h"
#include "floe/common/crypto.h"
#include "head/host_names.h"

namespace floe::appliance {
namespace {

constexpr size_t kTokenBytes = 24;

std::string defaultNodeName(const nlohmann::json& inventory) {
  if (inventory.is_object() && inventory.contains("host")) {
    std::string hostname = inventory["host"].value("hostname", "");
    if (!hostname.empty()) return hostname;
  }
  std::string hostname = machineHostname();
  return hostname.empty() ? "floe-head" : hostname;
}

Status waitUntilReady(const bootstrap::K3sPaths& paths, std::chrono::seconds timeout, std::ostream& progress) {
  progress << "Waiting for the Kubernetes API server" << std::flush;
  auto started = std::chrono::steady_clock::now();
  while (!kubeApiReady(paths.kubeconfig())) {
    if (std::chrono::steady_clock::now() - started > timeout) {
      progress << "\n";
      return deadlineExceeded("k3s did not become ready within " + std::to_string(timeout.count()) +
                              "s; see `journalctl -u k3s`");
    }
    progress << "." << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  progress << " ready (" << seconds.count() << "s)\n";
  return Status::ok();
}

bootstrap::K3sLocateOptions locateOptions(const K3sServerOptions& options) {
  bootstrap::K3sLocateOptions locate;
  locate.bundleDir = options.bundleDir;
  locate.binary = options.binary;
  locate.installDir = options.installDir;
  locate.paths = options.paths;
  return locate;
}

}  // namespace

Status checkK3sServerSource(const K3sServerOptions& options, const DataDir& dir) {
  std::error_code ec;
  if (!options.enabled || std::filesystem::exists(dir.k3sInstallation(), ec)) return Status::ok();
  return bootstrap::checkK3sAvailable(locateOptions(options));
}

Result<std::vector<std::string>> setupK3sServer(const K3sServerOptions& options, const DataDir& dir,
                                                const std::vector<std::string>& advertised,
                                                bootstrap::CommandRunner& runner, std::ostream& progress) {
  std::vector<std::string> done;
  if (!options.enabled) return done;
  FLOE_ASSIGN_OR_RETURN(auto existing, bootstrap::loadInstallation(dir.k3sInstallation()));
  if (existing) return done;

  FLOE_ASSIGN_OR_RETURN(auto binary, bootstrap::locateK3s(locateOptions(options)));
  if (binary.bundle && !binary.bundle->agentPackages.empty()) {
    FLOE_ASSIGN_OR_RETURN(auto offered, bootstrap::installAgentPackages(*binary.bundle, dir.downloadsDir()));
    std::string names;
    for (const auto& name : offered) names += (names.empty() ? "" : ", ") + name;
    done.push_back("agent packages offered under /downloads/: " + names);
  }

  bootstrap::K3sInstallation k;
  k.role = bootstrap::K3sRole::kServer;
  k.systemd = options.systemd.value_or(bootstrap::systemdIsPid1());
  k.binary = binary.path;
  k.binaryFromBundle = options.bundleDir.has_value();
  k.paths = options.paths;
  k.nodeName = options.nodeName.value_or(defaultNodeName(options.headInventory));
  k.serverUrl = "https://" + hostForUrl(advertised.front()) + ":" + std::to_string(options.apiPort);
  FLOE_ASSIGN_OR_RETURN(k.serverToken, secureRandomHex(kTokenBytes));
  FLOE_ASSIGN_OR_RETURN(k.agentToken, secureRandomHex(kTokenBytes));

  bootstrap::K3sServerConfig config;
  config.paths = options.paths;
  config.nodeName = k.nodeName;
  config.tlsSans = advertised;
  for (const auto& name : advertised) {
    if (isIpAddress(name)) {
      config.advertiseAddress = name;
      break;
    }
  }
  config.apiPort = options.apiPort;
  config.clusterCidr = options.clusterCidr;
  config.serviceCidr = options.serviceCidr;
  config.token = k.serverToken;
  config.agentToken = k.agentToken;
  auto labelling = cluster::labelsFromInventory(options.headInventory, cluster::NodeRole::kHead);
  config.nodeLabels = labelling.labels;
  config.nodeTaints = labelling.taints;
  FLOE_RETURN_IF_ERROR(bootstrap::writeK3sConfigFile(options.paths.configFile(), bootstrap::renderServerConfig(config)));
  // Recorded before k3s starts, so a failed start can be retried by `floe serve` or
  // undone by `floe reset`.
  FLOE_RETURN_IF_ERROR(bootstrap::saveInstallation(dir.k3sInstallation(), k));
  done.push_back("k3s server config " + options.paths.configFile().string() + " (k3s from " + binary.source + ": " +
                 binary.path.string() + ")");

  if (k.systemd) {
    bootstrap::SystemdUnit unit(bootstrap::k3sUnitName(k.role), k.unitDir, runner);
    FLOE_RETURN_IF_ERROR(unit.install(bootstrap::renderK3sUnit(k.role, k.binary, k.paths.configFile())));
    FLOE_RETURN_IF_ERROR(waitUntilReady(k.paths, options.readyTimeout, progress));
    done.push_back("k3s server running as " + unit.unitFile().string() + "; admin kubeconfig " +
                   k.paths.kubeconfig().string());
  } else {
    done.push_back("k3s server to be started and supervised by `floe serve` (systemd is not PID 1 here); its log: " +
                   dir.k3sLog().string());
  }
  return done;
}

}  // namespace floe::appliance
