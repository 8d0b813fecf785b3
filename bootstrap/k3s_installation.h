// What floe set up for k3s on this machine, recorded so that `floe serve` /
// `floe-agent run` can start it again and `floe reset` / `floe-agent leave` can undo
// exactly that. Holds the k3s tokens, so the file is 0600 and never logged.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "bootstrap/k3s_paths.h"
#include "bootstrap/systemd_unit.h"
#include "floe/common/status.h"

namespace floe::bootstrap {

struct K3sInstallation {
  K3sRole role = K3sRole::kServer;
  bool systemd = false;               // a systemd unit; otherwise floe supervises k3s itself
  std::filesystem::path binary;
  bool binaryFromBundle = false;      // installed by floe from an airgap bundle: removed on reset
  K3sPaths paths;
  std::filesystem::path unitDir = "/etc/systemd/system";
  std::string nodeName;               // this machine's Kubernetes node name
  std::string serverUrl;              // https://head:6443, what agents join
  std::string agentToken;             // secret
  std::string serverToken;            // secret (server only)
};

Status saveInstallation(const std::filesystem::path& file, const K3sInstallation& installation);
// nullopt when the file does not exist (k3s was never set up, or was removed).
Result<std::optional<K3sInstallation>> loadInstallation(const std::filesystem::path& file);

// Refuses to replace a config.yaml that floe did not write (someone's own k3s), so
// floe never silently reconfigures a cluster it does not own.
Status writeK3sConfigFile(const std::filesystem::path& file, const std::string& text);

// Undoes what floe set up: the systemd unit (stopped first), config.yaml, the admin
// kubeconfig, k3s's data dir and, when it came from a bundle, the k3s binary. A
// supervised k3s must already be stopped (its supervisor is the floe process).
Status removeInstallation(const K3sInstallation& installation, CommandRunner& runner);

}  // namespace floe::bootstrap
