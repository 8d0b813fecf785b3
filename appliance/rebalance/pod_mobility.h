// Which pods the rebalancer may evict at all, and in words why not. A pod it may not
// evict still counts toward its node's utilisation.
#pragma once

#include <optional>
#include <string>

#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"

namespace floe::appliance::rebalance {

// Set on a pod (annotation) to keep it where it is: floe.io/rebalance: "never".
inline constexpr const char* kRebalanceAnnotation = "floe.io/rebalance";
inline constexpr const char* kSparkRoleLabel = "spark-role";

// nullopt: the pod may be evicted (PDBs and fit are checked separately); else the reason.
std::optional<std::string> immovableReason(const PodInfo& pod, const RebalancePolicy& policy);

bool isSparkExecutor(const PodInfo& pod);

}  // namespace floe::appliance::rebalance
