// Whether a pod could run on a node, as the scheduler's filters would decide for the
// parts the rebalancer models: free resources (CPU, memory, GPUs, pod slots),
// nodeSelector, required node affinity, and taints (NoSchedule/NoExecute) against the
// pod's tolerations. Not modelled: inter-pod (anti-)affinity, topology spread, volume
// topology and ports; the verifier measures what the scheduler actually did.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rebalance/cluster_snapshot.h"

namespace floe::appliance::rebalance {

bool requirementMatches(const SelectorRequirement& requirement, const std::map<std::string, std::string>& labels);
bool labelSelectorMatches(const LabelSelector& selector, const std::map<std::string, std::string>& labels);
bool tolerates(const std::vector<Toleration>& tolerations, const Taint& taint);
// NoSchedule and NoExecute keep a pod without a matching toleration off the node;
// PreferNoSchedule is only a preference.
bool keepsPodsOff(const Taint& taint);

// The pod's nodeSelector and required node affinity (no taints) against the node's labels.
bool nodeAffinityMatches(const PodInfo& pod, const NodeInfo& node);

// Placement rules only (selector, affinity, taints); nullopt when the pod may go there,
// else why not.
std::optional<std::string> placementBlocker(const PodInfo& pod, const NodeInfo& node);

// Resources only: would `pod` fit into `node` with `requested` already used there?
std::optional<std::string> resourceBlocker(const PodInfo& pod, const NodeInfo& node, const Resources& requested);

}  // namespace floe::appliance::rebalance
