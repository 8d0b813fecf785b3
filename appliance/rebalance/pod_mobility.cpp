#include "rebalance/pod_mobility.h"

#include <algorithm>

namespace floe::appliance::rebalance {

bool isSparkExecutor(const PodInfo& pod) {
  auto it = pod.labels.find(kSparkRoleLabel);
  return it != pod.labels.end() && it->second == "executor";
}

std::optional<std::string> immovableReason(const PodInfo& pod, const RebalancePolicy& policy) {
  if (!pod.occupiesNode()) return std::string("not running on a node");
  if (pod.terminating) return std::string("already terminating");
  if (pod.annotations.count("kubernetes.io/config.mirror")) return std::string("static (mirror) pod");
  if (auto it = pod.annotations.find(kRebalanceAnnotation); it != pod.annotations.end() && it->second == "never") {
    return std::string("pinned by annotation floe.io/rebalance=never");
  }
  if (pod.controller && pod.controller->kind == "DaemonSet") return std::string("DaemonSet pod (one per node)");
  if (pod.priorityClassName == "system-cluster-critical" || pod.priorityClassName == "system-node-critical") {
    return "critical pod (priorityClassName " + pod.priorityClassName + ")";
  }
  bool protectedNamespace = std::find(policy.protectedNamespaces.begin(), policy.protectedNamespaces.end(), pod.ns) !=
                            policy.protectedNamespaces.end();
  if (protectedNamespace && !policy.evictProtectedNamespaces) return "in protected namespace " + pod.ns;
  if (!pod.controller && !policy.evictStandalonePods) return std::string("standalone pod (no controller would recreate it)");
  if (pod.usesLocalStorage && !policy.evictLocalStoragePods) return std::string("uses local storage (emptyDir/hostPath)");
  if (pod.usesPersistentVolumeClaim && !policy.evictPodsWithVolumeClaims) {
    return std::string("uses a PersistentVolumeClaim (its volume may be bound to this node)");
  }
  auto role = pod.labels.find(kSparkRoleLabel);
  if (role != pod.labels.end() && role->second == "driver") return std::string("Spark driver (evicting it fails its job)");
  if (isSparkExecutor(pod) && !policy.spark.decommissionExecutors) {
    return std::string("Spark executor mid-job (enable rebalance.spark.decommission_executors to move it)");
  }
  return std::nullopt;
}

}  // namespace floe::appliance::rebalance
