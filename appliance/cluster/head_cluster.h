// The head's Kubernetes side while `floe serve` runs: the k3s server (started and
// supervised here unless systemd runs it) and the node controller. The API reads its
// state through ClusterView.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bootstrap/command_runner.h"
#include "bootstrap/k3s_installation.h"
#include "bootstrap/k3s_service.h"
#include "cluster/node_controller.h"
#include "deploy/stack_deployer.h"
#include "rebalance/rebalance_policy.h"
#include "head/data_dir.h"
#include "state/node_registry.h"

namespace floe::appliance {

class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // The k3s server's state for `floe status`: state, mode, restarts, detail, api_url.
  virtual nlohmann::json serverStatus() = 0;
  // A floe node's Kubernetes Node: {"ready": "True"|"False"|"Unknown"|"", "registered": bool},
  // or {"ready": null} while the head has no view of the API yet.
  virtual nlohmann::json nodeStatus(const std::string& nodeName) = 0;
  // Whether this head deploys the lakehouse stack (`floe serve --no-stack` turns it off).
  virtual bool deploysStack() const { return false; }
};

// How `floe serve` runs the stack deployer (deploy/stack_deployer.h).
struct StackSettings {
  bool enabled = true;
  std::chrono::milliseconds reconcileInterval{30000};
  rebalance::RebalancePolicy rebalancePolicy;  // floe.yaml's: sizes the Spark executors' ceiling
};

class HeadCluster final : public ClusterView {
 public:
  // Starts a supervised k3s server (or reports on the systemd unit) and the node controller.
  static Result<std::unique_ptr<HeadCluster>> start(const bootstrap::K3sInstallation& installation,
                                                    const DataDir& dir, nlohmann::json headInventory,
                                                    NodeRegistry& registry, const Clock& clock,
                                                    Store& store, const StackSettings& stack = {});
  ~HeadCluster() override;
  void stop();

  nlohmann::json serverStatus() override;
  nlohmann::json nodeStatus(const std::string& nodeName) override;
  bool deploysStack() const override { return deployer_ != nullptr; }

 private:
  HeadCluster(bootstrap::K3sInstallation installation, std::unique_ptr<bootstrap::CommandRunner> runner)
      : installation_(std::move(installation)), runner_(std::move(runner)) {}

  bootstrap::K3sInstallation installation_;
  std::unique_ptr<bootstrap::CommandRunner> runner_;
  std::unique_ptr<bootstrap::K3sService> service_;
  std::unique_ptr<NodeController> controller_;
  std::unique_ptr<StackDeployer> deployer_;
};

}  // namespace floe::appliance
