// Per-node utilisation: the sum of the requests of the pods bound to a node against
// its allocatable, per resource, in percent. The cluster's balance is the spread
// (max - min) and standard deviation of those percentages over the Nodes taking part.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"

namespace floe::appliance::rebalance {

enum class Resource { kCpu, kMemory, kGpu };
const char* resourceName(Resource resource);
// The amount of `resource` in `r` (millicores, bytes or GPUs).
int64_t amountOf(const Resources& r, Resource resource);

struct NodeUtilisation {
  std::string node;
  double cpuPercent = 0;
  double memoryPercent = 0;
  double gpuPercent = -1;  // -1: the node has no GPUs
  int pods = 0;
};

struct ResourceSpread {
  double mean = 0;
  double min = 0;
  double max = 0;
  double spread = 0;  // max - min, percentage points
  double stddev = 0;  // population standard deviation, percentage points
};

struct UtilisationSummary {
  std::vector<NodeUtilisation> nodes;
  std::map<Resource, ResourceSpread> spreads;  // the resources balanced (GPU only with 2+ GPU nodes)
  double worstSpread() const;
  nlohmann::json toJson() const;
};

// Ready, schedulable, and carrying the policy's node selector labels.
bool nodeTakesPart(const NodeInfo& node, const RebalancePolicy& policy);

// Requests of the pods occupying each node, by node name (every node, taking part or not).
std::map<std::string, Resources> requestedByNode(const ClusterSnapshot& snapshot);

double percentOf(int64_t used, int64_t allocatable);

// The resources to balance over these nodes: CPU and memory, GPUs when 2+ have them.
std::vector<Resource> balancedResources(const std::vector<const NodeInfo*>& nodes);

UtilisationSummary summarise(const std::vector<const NodeInfo*>& nodes,
                             const std::map<std::string, Resources>& requested);

// Over the nodes balancedNodes() picks (balanced_nodes.h).
UtilisationSummary measureUtilisation(const ClusterSnapshot& snapshot, const RebalancePolicy& policy);

}  // namespace floe::appliance::rebalance
