#include "cluster/head_cluster.h"

#include <spdlog/spdlog.h>

#include "cluster/kube_connection.h"

namespace floe::appliance {

Result<std::unique_ptr<HeadCluster>> HeadCluster::start(const bootstrap::K3sInstallation& installation,
                                                        const DataDir& dir, nlohmann::json headInventory,
                                                        NodeRegistry& registry, const Clock& clock,
                                                        Store& store, const StackSettings& stack) {
  std::unique_ptr<HeadCluster> cluster(new HeadCluster(installation, bootstrap::makeCommandRunner()));
  auto kubeconfig = installation.paths.kubeconfig();
  cluster->service_ = bootstrap::makeK3sService(installation, dir.k3sLog(),
                                                [kubeconfig] { return kubeApiReady(kubeconfig); }, *cluster->runner_,
                                                clock);
  if (!installation.systemd) {
    FLOE_RETURN_IF_ERROR(cluster->service_->start().withContext("starting the k3s server"));
  }
  NodeControllerOptions options;
  options.kubeconfig = kubeconfig;
  options.headNodeName = installation.nodeName;
  options.headInventory = headInventory;
  cluster->controller_ = std::make_unique<NodeController>(std::move(options), registry);
  cluster->controller_->start();
  if (stack.enabled) {
    StackDeployerOptions deployerOptions;
    deployerOptions.kubeconfig = kubeconfig;
    deployerOptions.source = {installation.nodeName, std::move(headInventory), {}, stack.rebalancePolicy};
    deployerOptions.reconcileInterval = stack.reconcileInterval;
    cluster->deployer_ = std::make_unique<StackDeployer>(std::move(deployerOptions), store, clock);
    cluster->deployer_->start();
  } else {
    spdlog::info("stack deployment disabled (--no-stack)");
  }
  spdlog::info("k3s server managed mode={} binary={} api={}", installation.systemd ? "systemd" : "supervised",
               installation.binary.string(), installation.serverUrl);
  return cluster;
}

HeadCluster::~HeadCluster() { stop(); }

void HeadCluster::stop() {
  // The controllers first: they talk to the API server that stopping k3s takes away.
  if (deployer_) deployer_->stop();
  if (controller_) controller_->stop();
  if (service_) service_->stop();
}

nlohmann::json HeadCluster::serverStatus() {
  nlohmann::json out = service_->status().toJson();
  out["api_url"] = installation_.serverUrl;
  out["kubeconfig"] = installation_.paths.kubeconfig().string();
  out["node_name"] = installation_.nodeName;
  out["watching_nodes"] = controller_->connected();
  return out;
}

nlohmann::json HeadCluster::nodeStatus(const std::string& nodeName) {
  auto view = controller_->nodeView(nodeName);
  if (!view) return {{"ready", nullptr}, {"registered", nullptr}};
  return {{"ready", view->ready}, {"registered", view->exists}};
}

}  // namespace floe::appliance
