// planRebalance: a pure function from a cluster snapshot and the policy to the pods to
// evict, with reasons for the ones left alone.
//
// Objective: every balanced resource's spread (max - min utilisation over the Nodes
// taking part) at or below the policy threshold, with as few evictions as possible. A
// cluster already within the threshold gets no plan; one outside it is planned to 80 %
// of the threshold, a margin for the scheduler's own choices.
// Greedy: each step takes, over every movable pod on a node above the mean of a
// resource whose spread is too wide and every other node it fits on, the move that
// lowers the summed variance of the utilisations the most (so large pods that close a
// gap without overshooting it come first), applies it to the simulated cluster and
// repeats. It stops when balanced, when no move lowers the variance, or at the caps.
// The destination is a prediction: the scheduler places the replacement, and the
// verifier measures where it went.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"
#include "rebalance/utilisation.h"

namespace floe::appliance::rebalance {

struct PlannedEviction {
  std::string ns;
  std::string name;
  std::string fromNode;
  std::string expectedNode;  // where the simulation put its replacement
  Resources requests;
  std::string key() const { return ns + "/" + name; }
};

struct SkippedPod {
  std::string ns;
  std::string name;
  std::string node;
  std::string reason;
};

// What earlier passes of the same round used up.
struct PlanBudget {
  std::set<std::string> doNotEvict;               // "ns/name": refused by a PDB, or already evicted
  std::map<std::string, int> evictedFromNode;
  int evicted = 0;
};

struct Plan {
  UtilisationSummary before;
  UtilisationSummary predicted;  // after the planned evictions, if the scheduler agrees
  std::vector<PlannedEviction> evictions;
  std::vector<SkippedPod> skipped;  // pods on nodes above the mean that stay, and why
  size_t skippedTotal = 0;          // skipped may be cut short; this is the full count
  bool balancedBefore = false;
  bool balancedPredicted = false;
  std::string stopReason;
  nlohmann::json toJson() const;
};

inline constexpr size_t kMaxSkippedListed = 100;
// A plan aims at this fraction of the threshold (see planRebalance).
inline constexpr double kPlanningTargetFraction = 0.8;

Plan planRebalance(const ClusterSnapshot& snapshot, const RebalancePolicy& policy, const PlanBudget& budget = {});

}  // namespace floe::appliance::rebalance
