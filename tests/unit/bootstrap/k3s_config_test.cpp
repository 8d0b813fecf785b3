#include "bootstrap/k3s_config.h"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

namespace floe::bootstrap {
namespace {

// Parsed back with a real YAML parser: what k3s reads is what we meant to write.
TEST_CASE("renderServerConfig: every setting, parseable as YAML", "[bootstrap][k3s-config]") {
  K3sServerConfig config;
  config.paths = {"/tmp/etc-k3s", "/tmp/k3s-data"};
  config.nodeName = "head-1";
  config.tlsSans = {"10.0.0.5", "head.example"};
  config.advertiseAddress = "10.0.0.5";
  config.apiPort = 16443;
  config.token = "server-secret";
  config.agentToken = "agent: secret #not a comment";
  config.nodeLabels = {{"floe.io/role", "head"}, {"floe.io/gpu", "false"}};
  config.nodeTaints = {{"nvidia.com/gpu", "present", "NoSchedule"}};

  std::string text = renderServerConfig(config);
  CHECK(text.rfind("# Written by floe", 0) == 0);
  YAML::Node yaml = YAML::Load(text);
  CHECK(yaml["data-dir"].as<std::string>() == "/tmp/k3s-data");
  CHECK(yaml["write-kubeconfig"].as<std::string>() == "/tmp/etc-k3s/k3s.yaml");
  CHECK(yaml["write-kubeconfig-mode"].as<std::string>() == "0600");
  CHECK(yaml["node-name"].as<std::string>() == "head-1");
  CHECK(yaml["https-listen-port"].as<int>() == 16443);
  CHECK(yaml["advertise-address"].as<std::string>() == "10.0.0.5");
  CHECK(yaml["tls-san"].as<std::vector<std::string>>() == std::vector<std::string>{"10.0.0.5", "head.example"});
  CHECK(yaml["cluster-cidr"].as<std::string>() == "10.42.0.0/16");
  CHECK(yaml["service-cidr"].as<std::string>() == "10.43.0.0/16");
  CHECK(yaml["token"].as<std::string>() == "server-secret");
  CHECK(yaml["agent-token"].as<std::string>() == "agent: secret #not a comment");
  CHECK(yaml["node-label"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"floe.io/gpu=false", "floe.io/role=head"});
  CHECK(yaml["node-taint"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"nvidia.com/gpu=present:NoSchedule"});
  CHECK(yaml["disable"].as<std::vector<std::string>>() == std::vector<std::string>{"traefik", "servicelb"});
}

TEST_CASE("renderAgentConfig: server, token, name, labels, taints", "[bootstrap][k3s-config]") {
  K3sAgentConfig config;
  config.paths = {"/tmp/etc-k3s", "/tmp/k3s-data"};
  config.serverUrl = "https://10.0.0.5:6443";
  config.agentToken = "abc\"def";
  config.nodeName = "worker-1";
  config.nodeLabels = {{"floe.io/role", "worker"}};
  YAML::Node yaml = YAML::Load(renderAgentConfig(config));
  CHECK(yaml["server"].as<std::string>() == "https://10.0.0.5:6443");
  CHECK(yaml["token"].as<std::string>() == "abc\"def");
  CHECK(yaml["node-name"].as<std::string>() == "worker-1");
  CHECK(yaml["node-label"].as<std::vector<std::string>>() == std::vector<std::string>{"floe.io/role=worker"});
  CHECK_FALSE(yaml["node-taint"]);  // no empty lists: k3s would read them as "clear"
  CHECK_FALSE(yaml["node-ip"]);
}

}  // namespace
}  // namespace floe::bootstrap
