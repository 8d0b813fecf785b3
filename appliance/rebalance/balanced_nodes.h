// Which Nodes the rebalancer balances: those taking part (utilisation.h: Ready,
// schedulable, the policy's node selector), except a node tainted NoSchedule/NoExecute
// that no pod the rebalancer may move tolerates. Nothing could ever be moved onto such a
// node, so its utilisation, typically low (a GPU server tainted nvidia.com/gpu running
// only GPU work, or nothing yet), would hold the spread above the threshold for good and
// every round would end "improved" at best. Such nodes are listed, with the reason, in
// the round's report instead.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"

namespace floe::appliance::rebalance {

struct LeftOutNode {
  std::string node;
  std::string reason;
};

struct BalancedNodes {
  std::vector<const NodeInfo*> nodes;  // in snapshot order
  std::vector<LeftOutNode> leftOut;    // taking part, but unreachable for every movable pod
  nlohmann::json leftOutJson() const;
};

BalancedNodes balancedNodes(const ClusterSnapshot& snapshot, const RebalancePolicy& policy);

}  // namespace floe::appliance::rebalance
