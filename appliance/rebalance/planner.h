// planRebalance: a pure function from a cluster snapshot and the policy to the pods to
// evict, with reasons for the ones left alone.
//
// Objective: every balanced resource's spread (max - min utilisation over the Nodes
// taking part) at or below the policy threshold, with as few evictions as possible. A
// cluster already within the threshold gets no plan; one outside it is planned to 80 %
// of the threshold, a margin for the scheduler's own choices.
// An eviction only moves a pod if its controller's replacement lands elsewhere, and the
// scheduler, not floe, chooses where: the planner asks a model of kube-scheduler's
// default scoring (scheduler_model.h) where each replacement would go, given the
// simulated cluster at that point of the plan.
// Greedy: each step takes, over every movable pod on a node above the mean of a
// resource whose spread is too wide, the eviction whose predicted replacement lowers the
// summed variance of the utilisations the most (so large pods that close a gap without
// overshooting it come first), judged by the worst of the nodes the scheduler might pick;
// applies it to the simulated cluster and repeats. An eviction whose replacement would
// come back to its node, or not lower the variance, is never planned. It stops when
// balanced, when no eviction lowers the variance, or at the caps.
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
  std::string expectedNode;  // where the scheduler model puts its replacement
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
  // Nodes to taint floe.io/rebalancing:PreferNoSchedule while the replacements are
  // scheduled (policy steer_with_taint); the predictions assume it.
  std::vector<std::string> steerAwayFrom;
  nlohmann::json toJson() const;
};

inline constexpr size_t kMaxSkippedListed = 100;
// A plan aims at this fraction of the threshold (see planRebalance).
inline constexpr double kPlanningTargetFraction = 0.8;
// Nodes scoring within this many points of the scheduler model's best are taken as
// possible destinations too: the scheduler breaks ties at random, and the state it sees
// differs a little from the plan's sequence (replacements are scheduled while later
// evictions are still under way).
inline constexpr int64_t kPredictionMarginPoints = 0;

Plan planRebalance(const ClusterSnapshot& snapshot, const RebalancePolicy& policy, const PlanBudget& budget = {});

}  // namespace floe::appliance::rebalance
