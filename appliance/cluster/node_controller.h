// Keeps Kubernetes Nodes in step with floe's node records:
// - links each Node to its floe node by name and records its Kubernetes readiness
//   (shown by `floe nodes list` and the API);
// - applies the hardware labels and taints computed from the node's inventory
//   (floe/cluster/node_labels.h) plus the labels given at join, and removes hardware
//   labels the inventory no longer justifies;
// - deletes the Node of a floe node that was removed or left.
//
// Work happens on the controller's own thread, and only where something changed: the
// Node informer marks the Nodes it saw change, and a poll of the registry every
// resyncInterval finds floe nodes that joined, changed (inventory, labels) or went. A
// full pass over every Node runs every fullResyncInterval as a safety net. Clusters of
// thousands of nodes therefore cost one registry listing per interval, not a copy of
// every Node.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "floe/cluster/node_labels.h"
#include "floe/k8s/informer.h"
#include "floe/k8s/kube_client.h"
#include "state/node_registry.h"

namespace floe::appliance {

// The label linking a Node to its floe node: a Node carrying it whose floe node is
// gone is deleted. Nodes without it (and not named after a floe node) are left alone.
inline constexpr const char* kNodeIdLabel = "floe.io/node-id";

struct KubeNodeView {
  std::string ready;  // the Ready condition: "True", "False", "Unknown", or "" (none yet)
  bool exists = false;
};

struct NodeControllerOptions {
  std::filesystem::path kubeconfig;       // written by the k3s server
  std::string headNodeName;               // the head's own Node
  nlohmann::json headInventory;           // labels the head's Node
  std::chrono::milliseconds resyncInterval{3000};
  std::chrono::milliseconds fullResyncInterval{60000};
};

class NodeController {
 public:
  NodeController(NodeControllerOptions options, NodeRegistry& registry);
  ~NodeController();
  NodeController(const NodeController&) = delete;
  NodeController& operator=(const NodeController&) = delete;

  // Starts the thread; it waits for the kubeconfig and the API server as k3s starts.
  void start();
  void stop();

  // The Node's view by floe node name; nullopt before the first list, or with no API.
  std::optional<KubeNodeView> nodeView(const std::string& name) const;
  bool connected() const;

 private:
  struct Desired {
    std::string inventoryHash;
    cluster::NodeLabelling labelling;
  };

  void run(std::stop_token stop);
  bool connect(std::stop_token stop);
  void reconcile(bool full);
  void reconcileNode(const nlohmann::json& node, const std::map<std::string, NodeRecord>& floeByName);
  std::optional<cluster::NodeLabelling> desiredFor(const NodeRecord& record);
  void recordView(const nlohmann::json& node, bool deleted);
  void wake();

  NodeControllerOptions options_;
  NodeRegistry& registry_;
  std::shared_ptr<k8s::KubeClient> client_;
  std::unique_ptr<k8s::Informer> informer_;
  std::map<std::string, Desired> desiredById_;  // controller thread only
  // name -> what the registry said last time (id, inventory hash, labels): a change
  // means the Node needs another look. Controller thread only.
  std::map<std::string, std::string> fingerprints_;

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  bool dirty_ = true;
  std::set<std::string> dirtyNames_;  // Nodes the informer saw change
  bool connected_ = false;
  std::map<std::string, KubeNodeView> views_;
  std::jthread thread_;
};

// The merge patch that brings `node` to the labels and taints wanted, or null when it
// already has them. Exposed for unit tests.
nlohmann::json nodePatchFor(const nlohmann::json& node, const cluster::NodeLabelling& desired);

}  // namespace floe::appliance
