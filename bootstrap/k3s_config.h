// The k3s configuration files floe writes (config.yaml, read by `k3s server|agent
// --config`). What the user configured is rendered here; tokens are secrets, so the
// file is written 0600 and its text is never logged.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/k3s_paths.h"
#include "floe/cluster/node_labels.h"

namespace floe::bootstrap {

struct K3sServerConfig {
  K3sPaths paths;
  std::string nodeName;
  std::vector<std::string> tlsSans;    // every name/IP workers use for the API server
  std::optional<std::string> advertiseAddress;
  std::string bindAddress = "0.0.0.0";
  int apiPort = kDefaultK3sApiPort;
  std::string clusterCidr = "10.42.0.0/16";
  std::string serviceCidr = "10.43.0.0/16";
  std::string token;       // secret: joins servers
  std::string agentToken;  // secret: joins agents (what floe hands to workers)
  std::map<std::string, std::string> nodeLabels;
  std::vector<cluster::Taint> nodeTaints;
  // k3s add-ons floe replaces with its own stack (see k8s-manifests/).
  std::vector<std::string> disable = {"traefik", "servicelb"};
};

struct K3sAgentConfig {
  K3sPaths paths;
  std::string serverUrl;   // https://head:6443
  std::string agentToken;  // secret
  std::string nodeName;
  std::optional<std::string> nodeIp;
  std::map<std::string, std::string> nodeLabels;
  std::vector<cluster::Taint> nodeTaints;
};

std::string renderServerConfig(const K3sServerConfig& config);
std::string renderAgentConfig(const K3sAgentConfig& config);

}  // namespace floe::bootstrap
