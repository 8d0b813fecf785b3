#include "bootstrap/k3s_config.h"

#include <sstream>

#include <nlohmann/json.hpp>

namespace floe::bootstrap {
namespace {

// YAML is a superset of JSON, so JSON-quoted scalars are valid YAML whatever they hold
// (colons, '#', quotes). This keeps yaml-cpp out of the agent for one small file.
std::string quoted(const std::string& value) { return nlohmann::json(value).dump(); }

class ConfigWriter {
 public:
  explicit ConfigWriter(std::string_view header) { out_ << "# " << header << "\n"; }
  void scalar(const char* key, const std::string& value) { out_ << key << ": " << quoted(value) << "\n"; }
  void number(const char* key, int value) { out_ << key << ": " << value << "\n"; }
  void list(const char* key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    out_ << key << ":\n";
    for (const auto& value : values) out_ << "  - " << quoted(value) << "\n";
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::vector<std::string> labelList(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& [key, value] : labels) out.push_back(key + "=" + value);
  return out;
}

std::vector<std::string> taintList(const std::vector<cluster::Taint>& taints) {
  std::vector<std::string> out;
  for (const auto& taint : taints) out.push_back(taint.toString());
  return out;
}

}  // namespace

std::string renderServerConfig(const K3sServerConfig& config) {
  ConfigWriter out("Written by floe init; floe rewrites it, so change floe's settings instead.");
  out.scalar("data-dir", config.paths.dataDir.string());
  out.scalar("write-kubeconfig", config.paths.kubeconfig().string());
  out.scalar("write-kubeconfig-mode", "0600");
  out.scalar("node-name", config.nodeName);
  out.scalar("bind-address", config.bindAddress);
  if (config.advertiseAddress) out.scalar("advertise-address", *config.advertiseAddress);
  out.number("https-listen-port", config.apiPort);
  out.list("tls-san", config.tlsSans);
  out.scalar("cluster-cidr", config.clusterCidr);
  out.scalar("service-cidr", config.serviceCidr);
  out.scalar("token", config.token);
  out.scalar("agent-token", config.agentToken);
  out.list("node-label", labelList(config.nodeLabels));
  out.list("node-taint", taintList(config.nodeTaints));
  out.list("disable", config.disable);
  return out.text();
}

std::string renderAgentConfig(const K3sAgentConfig& config) {
  ConfigWriter out("Written by floe-agent join; rewritten on every join.");
  out.scalar("data-dir", config.paths.dataDir.string());
  out.scalar("server", config.serverUrl);
  out.scalar("token", config.agentToken);
  out.scalar("node-name", config.nodeName);
  if (config.nodeIp) out.scalar("node-ip", *config.nodeIp);
  out.list("node-label", labelList(config.nodeLabels));
  out.list("node-taint", taintList(config.nodeTaints));
  return out.text();
}

}  // namespace floe::bootstrap
