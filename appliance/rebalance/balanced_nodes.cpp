#include "rebalance/balanced_nodes.h"

#include <algorithm>

#include "rebalance/fit_check.h"
#include "rebalance/pod_mobility.h"
#include "rebalance/utilisation.h"

namespace floe::appliance::rebalance {
namespace {

std::string describe(const Taint& taint) {
  return taint.key + (taint.value.empty() ? "" : "=" + taint.value) + ":" + taint.effect;
}

}  // namespace

nlohmann::json BalancedNodes::leftOutJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : leftOut) out.push_back({{"node", n.node}, {"reason", n.reason}});
  return out;
}

BalancedNodes balancedNodes(const ClusterSnapshot& snapshot, const RebalancePolicy& policy) {
  std::vector<const PodInfo*> movable;
  for (const auto& pod : snapshot.pods) {
    if (pod.occupiesNode() && !immovableReason(pod, policy)) movable.push_back(&pod);
  }
  BalancedNodes out;
  for (const auto& node : snapshot.nodes) {
    if (!nodeTakesPart(node, policy)) continue;
    std::vector<const Taint*> hard;
    for (const auto& taint : node.taints) {
      if (keepsPodsOff(taint)) hard.push_back(&taint);
    }
    bool reachable = hard.empty() || std::any_of(movable.begin(), movable.end(), [&](const PodInfo* pod) {
                       return std::all_of(hard.begin(), hard.end(),
                                          [&](const Taint* t) { return tolerates(pod->tolerations, *t); });
                     });
    if (reachable) {
      out.nodes.push_back(&node);
      continue;
    }
    std::string taints;
    for (const Taint* t : hard) taints += (taints.empty() ? "" : ", ") + describe(*t);
    out.leftOut.push_back({node.name, "tainted " + taints + ": no pod the rebalancer may move tolerates it"});
  }
  return out;
}

}  // namespace floe::appliance::rebalance
