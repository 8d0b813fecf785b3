#include "rebalance/cluster_snapshot.h"

#include <algorithm>

#include "rebalance/quantity.h"

namespace floe::appliance::rebalance {
namespace {

using nlohmann::json;

Resources& combine(Resources& into, const Resources& other, int sign) {
  into.cpuMillis += sign * other.cpuMillis;
  into.memoryBytes += sign * other.memoryBytes;
  into.gpus += sign * other.gpus;
  into.pods += sign * other.pods;
  return into;
}

std::string str(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& at(const json& object, const char* field) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(field);
  return it == object.end() ? kNull : *it;
}

std::map<std::string, std::string> stringMap(const json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

// A resource list ({"cpu": "500m", "memory": "1Gi", ...}) into Resources.
Result<Resources> resourcesFrom(const json& list, const std::string& what) {
  Resources out;
  if (!list.is_object()) return out;
  for (const auto& [name, value] : list.items()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    Result<int64_t> parsed = name == "cpu" ? parseCpuMillis(text) : parseQuantityUnits(text);
    if (!parsed.isOk()) return parsed.status().withContext(what + ": " + name);
    if (name == "cpu") out.cpuMillis = *parsed;
    if (name == "memory") out.memoryBytes = *parsed;
    if (name == kGpuResource) out.gpus = *parsed;
    if (name == "pods") out.pods = *parsed;
  }
  return out;
}

std::vector<SelectorRequirement> requirementsFrom(const json& list) {
  std::vector<SelectorRequirement> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    SelectorRequirement requirement{str(item, "key"), str(item, "operator"), {}};
    for (const auto& value : at(item, "values")) {
      if (value.is_string()) requirement.values.push_back(value.get<std::string>());
    }
    out.push_back(std::move(requirement));
  }
  return out;
}

bool hasVolume(const json& volumes, const char* kind) {
  if (!volumes.is_array()) return false;
  return std::any_of(volumes.begin(), volumes.end(), [&](const json& v) { return v.is_object() && v.contains(kind); });
}

}  // namespace

std::string ownerKey(const PodInfo& pod) {
  return pod.controller ? pod.ns + "/" + pod.controller->kind + "/" + pod.controller->name : std::string();
}

Resources& Resources::operator+=(const Resources& other) { return combine(*this, other, 1); }
Resources& Resources::operator-=(const Resources& other) { return combine(*this, other, -1); }

Result<NodeInfo> nodeFromObject(const json& node) {
  NodeInfo info;
  info.name = str(at(node, "metadata"), "name");
  if (info.name.empty()) return invalidArgument("a Node without metadata.name");
  info.labels = stringMap(at(at(node, "metadata"), "labels"));
  const json& spec = at(node, "spec");
  info.unschedulable = at(spec, "unschedulable").is_boolean() && at(spec, "unschedulable").get<bool>();
  for (const auto& taint : at(spec, "taints")) {
    info.taints.push_back(Taint{str(taint, "key"), str(taint, "value"), str(taint, "effect")});
  }
  const json& status = at(node, "status");
  FLOE_ASSIGN_OR_RETURN(info.allocatable, resourcesFrom(at(status, "allocatable"), "node " + info.name + ": allocatable"));
  for (const auto& condition : at(status, "conditions")) {
    if (str(condition, "type") == "Ready") info.ready = str(condition, "status") == "True";
  }
  return info;
}

Result<PodInfo> podFromObject(const json& pod) {
  PodInfo info;
  const json& metadata = at(pod, "metadata");
  info.ns = str(metadata, "namespace");
  info.name = str(metadata, "name");
  if (info.name.empty()) return invalidArgument("a pod without metadata.name");
  std::string what = "pod " + info.key();
  info.labels = stringMap(at(metadata, "labels"));
  info.annotations = stringMap(at(metadata, "annotations"));
  info.terminating = at(metadata, "deletionTimestamp").is_string();
  for (const auto& owner : at(metadata, "ownerReferences")) {
    if (at(owner, "controller").is_boolean() && at(owner, "controller").get<bool>()) {
      info.controller = OwnerRef{str(owner, "kind"), str(owner, "name")};
    }
  }
  const json& spec = at(pod, "spec");
  info.nodeName = str(spec, "nodeName");
  info.phase = str(at(pod, "status"), "phase");
  info.priorityClassName = str(spec, "priorityClassName");
  info.nodeSelector = stringMap(at(spec, "nodeSelector"));
  for (const auto& term :
       at(at(at(at(spec, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution"),
          "nodeSelectorTerms")) {
    info.requiredNodeAffinity.push_back(
        NodeSelectorTerm{requirementsFrom(at(term, "matchExpressions")), requirementsFrom(at(term, "matchFields"))});
  }
  for (const auto& toleration : at(spec, "tolerations")) {
    Toleration t{str(toleration, "key"), str(toleration, "operator"), str(toleration, "value"),
                 str(toleration, "effect")};
    if (t.op.empty()) t.op = "Equal";
    info.tolerations.push_back(std::move(t));
  }
  const json& volumes = at(spec, "volumes");
  info.usesLocalStorage = hasVolume(volumes, "emptyDir") || hasVolume(volumes, "hostPath");
  info.usesPersistentVolumeClaim = hasVolume(volumes, "persistentVolumeClaim");

  // The scheduler's effective request: the containers' sum, or the largest init
  // container's when that is larger, plus the pod overhead.
  Resources sum;
  for (const auto& container : at(spec, "containers")) {
    FLOE_ASSIGN_OR_RETURN(Resources r, resourcesFrom(at(at(container, "resources"), "requests"),
                                                     what + ": container " + str(container, "name")));
    sum += r;
  }
  for (const auto& container : at(spec, "initContainers")) {
    FLOE_ASSIGN_OR_RETURN(Resources r, resourcesFrom(at(at(container, "resources"), "requests"),
                                                     what + ": init container " + str(container, "name")));
    sum.cpuMillis = std::max(sum.cpuMillis, r.cpuMillis);
    sum.memoryBytes = std::max(sum.memoryBytes, r.memoryBytes);
    sum.gpus = std::max(sum.gpus, r.gpus);
  }
  FLOE_ASSIGN_OR_RETURN(Resources overhead, resourcesFrom(at(spec, "overhead"), what + ": overhead"));
  sum += overhead;
  sum.pods = 1;
  info.requests = sum;
  return info;
}

Result<PdbInfo> pdbFromObject(const json& pdb) {
  PdbInfo info;
  info.ns = str(at(pdb, "metadata"), "namespace");
  info.name = str(at(pdb, "metadata"), "name");
  const json& selector = at(at(pdb, "spec"), "selector");
  info.selector.matchLabels = stringMap(at(selector, "matchLabels"));
  info.selector.matchExpressions = requirementsFrom(at(selector, "matchExpressions"));
  const json& allowed = at(at(pdb, "status"), "disruptionsAllowed");
  info.disruptionsAllowed = allowed.is_number_integer() ? allowed.get<int64_t>() : 0;
  return info;
}

Result<ClusterSnapshot> snapshotFromObjects(const std::vector<json>& nodes, const std::vector<json>& pods,
                                            const std::vector<json>& pdbs) {
  ClusterSnapshot snapshot;
  for (const auto& node : nodes) {
    FLOE_ASSIGN_OR_RETURN(NodeInfo info, nodeFromObject(node));
    snapshot.nodes.push_back(std::move(info));
  }
  for (const auto& pod : pods) {
    FLOE_ASSIGN_OR_RETURN(PodInfo info, podFromObject(pod));
    snapshot.pods.push_back(std::move(info));
  }
  for (const auto& pdb : pdbs) {
    FLOE_ASSIGN_OR_RETURN(PdbInfo info, pdbFromObject(pdb));
    snapshot.pdbs.push_back(std::move(info));
  }
  return snapshot;
}

Result<ClusterSnapshot> readClusterSnapshot(const k8s::KubeClient& client, std::stop_token stop) {
  auto nodes = client.list(k8s::resources::kNodes, "", {}, stop);
  if (!nodes.isOk()) return nodes.status().withContext("listing Nodes");
  auto pods = client.list(k8s::resources::kPods, "", {}, stop);
  if (!pods.isOk()) return pods.status().withContext("listing pods");
  auto pdbs = client.list(k8s::resources::kPodDisruptionBudgets, "", {}, stop);
  if (!pdbs.isOk()) return pdbs.status().withContext("listing PodDisruptionBudgets");
  return snapshotFromObjects(nodes->items, pods->items, pdbs->items);
}

}  // namespace floe::appliance::rebalance
