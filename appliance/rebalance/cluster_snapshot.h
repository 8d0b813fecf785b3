// What the rebalancer knows about the cluster at one moment: Nodes, the pods bound to
// them, and PodDisruptionBudgets, reduced to the fields planning needs. Built from the
// API objects (snapshotFromObjects, pure: unit tests feed hand-written JSON) or read
// through the Kubernetes client (readClusterSnapshot).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "floe/common/status.h"
#include "floe/k8s/kube_client.h"

namespace floe::appliance::rebalance {

inline constexpr const char* kGpuResource = "nvidia.com/gpu";

struct Resources {
  int64_t cpuMillis = 0;
  int64_t memoryBytes = 0;
  int64_t gpus = 0;
  int64_t pods = 0;

  Resources& operator+=(const Resources& other);
  Resources& operator-=(const Resources& other);
};

// One requirement of a node selector term or a label selector: key, operator
// (In, NotIn, Exists, DoesNotExist, Gt, Lt) and values.
struct SelectorRequirement {
  std::string key;
  std::string op;
  std::vector<std::string> values;
};

struct NodeSelectorTerm {
  std::vector<SelectorRequirement> matchExpressions;  // on the Node's labels
  std::vector<SelectorRequirement> matchFields;       // on metadata.name
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<SelectorRequirement> matchExpressions;
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct Toleration {
  std::string key;       // empty with Exists: tolerates everything
  std::string op = "Equal";
  std::string value;
  std::string effect;    // empty: every effect
};

struct NodeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  Resources allocatable;
  bool ready = false;
  bool unschedulable = false;
};

struct OwnerRef {
  std::string kind;
  std::string name;
};

struct PodInfo {
  std::string ns;
  std::string name;
  std::string nodeName;  // "" while unscheduled
  std::string phase;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<OwnerRef> controller;  // the owner reference with controller: true
  Resources requests;                  // pods = 1
  std::map<std::string, std::string> nodeSelector;
  std::vector<NodeSelectorTerm> requiredNodeAffinity;  // ORed; empty: none
  std::vector<Toleration> tolerations;
  std::string priorityClassName;
  bool usesLocalStorage = false;  // emptyDir or hostPath volumes
  bool usesPersistentVolumeClaim = false;
  bool terminating = false;       // metadata.deletionTimestamp set

  std::string key() const { return ns + "/" + name; }
  // Bound to a node and not finished: it holds its requests there.
  bool occupiesNode() const { return !nodeName.empty() && phase != "Succeeded" && phase != "Failed"; }
};

struct PdbInfo {
  std::string ns;
  std::string name;
  LabelSelector selector;
  int64_t disruptionsAllowed = 0;  // status.disruptionsAllowed, as the API server computed it
};

struct ClusterSnapshot {
  std::vector<NodeInfo> nodes;
  std::vector<PodInfo> pods;
  std::vector<PdbInfo> pdbs;
};

// "ns/Kind/name" of a pod's controller, or "" for a standalone pod.
std::string ownerKey(const PodInfo& pod);

// Parsing errors name the object ("pod ns/name: container app: cpu request '1x' ...").
Result<NodeInfo> nodeFromObject(const nlohmann::json& node);
Result<PodInfo> podFromObject(const nlohmann::json& pod);
Result<PdbInfo> pdbFromObject(const nlohmann::json& pdb);

Result<ClusterSnapshot> snapshotFromObjects(const std::vector<nlohmann::json>& nodes,
                                            const std::vector<nlohmann::json>& pods,
                                            const std::vector<nlohmann::json>& pdbs);

// Lists Nodes, pods (all namespaces) and PodDisruptionBudgets.
Result<ClusterSnapshot> readClusterSnapshot(const k8s::KubeClient& client, std::stop_token stop = {});

}  // namespace floe::appliance::rebalance
