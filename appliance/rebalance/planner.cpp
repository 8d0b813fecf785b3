#include "rebalance/planner.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "rebalance/balanced_nodes.h"
#include "rebalance/fit_check.h"
#include "rebalance/pod_mobility.h"
#include "rebalance/scheduler_model.h"
#include "rebalance/steering.h"

namespace floe::appliance::rebalance {
namespace {

// The simulated cluster: requests per node, and running sums for the variance of
// each balanced resource's utilisation.
class Simulation {
 public:
  Simulation(std::vector<const NodeInfo*> nodes, const std::map<std::string, Resources>& requested)
      : nodes_(std::move(nodes)), resources_(balancedResources(nodes_)) {
    for (const NodeInfo* node : nodes_) {
      auto it = requested.find(node->name);
      requested_.push_back(it == requested.end() ? Resources{} : it->second);
    }
  }

  size_t size() const { return nodes_.size(); }
  const NodeInfo& node(size_t i) const { return *nodes_[i]; }
  const Resources& requested(size_t i) const { return requested_[i]; }
  const std::vector<Resource>& resources() const { return resources_; }

  double utilisation(size_t i, Resource r) const {
    return percentOf(amountOf(requested_[i], r), amountOf(nodes_[i]->allocatable, r));
  }
  bool counts(size_t i, Resource r) const { return amountOf(nodes_[i]->allocatable, r) > 0; }

  struct Stats {
    double mean = 0, min = 0, max = 0, n = 0, sum = 0, sumSquares = 0;
  };
  Stats stats(Resource r) const {
    Stats s;
    s.min = std::numeric_limits<double>::max();
    s.max = std::numeric_limits<double>::lowest();
    for (size_t i = 0; i < size(); ++i) {
      if (!counts(i, r)) continue;
      double u = utilisation(i, r);
      s.n += 1, s.sum += u, s.sumSquares += u * u;
      s.min = std::min(s.min, u), s.max = std::max(s.max, u);
    }
    if (s.n > 0) s.mean = s.sum / s.n;
    return s;
  }

  // Change of the summed variances if `pod` moved from node a to node b (nullopt: to a
  // node that takes no part).
  double varianceDelta(const PodInfo& pod, size_t a, std::optional<size_t> b, const std::map<Resource, Stats>& stats) const {
    double delta = 0;
    for (Resource r : resources_) {
      int64_t amount = amountOf(pod.requests, r);
      if (amount == 0) continue;
      const Stats& s = stats.at(r);
      double sum = s.sum, squares = s.sumSquares;
      for (auto [i, sign] : {std::pair{std::optional<size_t>(a), -1}, std::pair{b, 1}}) {
        if (!i || !counts(*i, r)) continue;
        double before = utilisation(*i, r);
        double after = before + sign * percentOf(amount, amountOf(nodes_[*i]->allocatable, r));
        sum += after - before;
        squares += after * after - before * before;
      }
      double varianceBefore = s.sumSquares / s.n - s.mean * s.mean;
      double meanAfter = sum / s.n;
      delta += (squares / s.n - meanAfter * meanAfter) - varianceBefore;
    }
    return delta;
  }

  void move(const PodInfo& pod, size_t a, std::optional<size_t> b) {
    requested_[a] -= pod.requests;
    if (b) requested_[*b] += pod.requests;
  }

  UtilisationSummary summary() const {
    std::map<std::string, Resources> byName;
    for (size_t i = 0; i < size(); ++i) byName[nodes_[i]->name] = requested_[i];
    return summarise(nodes_, byName);
  }

 private:
  std::vector<const NodeInfo*> nodes_;
  std::vector<Resource> resources_;
  std::vector<Resources> requested_;
};

bool balanced(const UtilisationSummary& summary, double threshold) { return summary.worstSpread() <= threshold + 1e-9; }

struct Candidate {
  const PodInfo* pod;
  size_t node;                         // simulated (taking part) node index
  size_t modelNode;                    // the same node in the scheduler model
  std::vector<size_t> pdbs;            // indexes into the snapshot's PDBs
  std::vector<bool> placementAllowed;  // per simulated node; placement never changes
  bool chosen = false;
};

// A move as the scheduler model predicts it: where the replacement goes (nullopt: a node
// taking no part) and the change of the summed variances, the worst over the nodes the
// scheduler might pick.
struct PredictedMove {
  std::optional<size_t> target;
  size_t modelTarget = 0;
  double delta = 0;
  bool useful = false;  // lowers the variance wherever the replacement lands
};

}  // namespace

Plan planRebalance(const ClusterSnapshot& snapshot, const RebalancePolicy& policy, const PlanBudget& budget) {
  Plan plan;
  std::vector<const NodeInfo*> nodes;
  std::map<std::string, size_t> indexOf;
  for (const NodeInfo* node : balancedNodes(snapshot, policy).nodes) {
    indexOf[node->name] = nodes.size();
    nodes.push_back(node);
  }
  Simulation sim(nodes, requestedByNode(snapshot));
  SchedulerModel scheduler(snapshot);
  std::vector<std::optional<size_t>> simIndexOfModel(scheduler.size());
  for (size_t i = 0; i < scheduler.size(); ++i) {
    if (auto it = indexOf.find(scheduler.node(i).name); it != indexOf.end()) simIndexOfModel[i] = it->second;
  }
  plan.before = sim.summary();
  plan.balancedBefore = balanced(plan.before, policy.thresholdPercent);
  // A cluster within the threshold is left alone. One outside it is planned to a tighter
  // target, so the scheduler placing some replacements elsewhere than predicted still
  // leaves the spread within the threshold instead of calling for another pass.
  double target = policy.thresholdPercent * kPlanningTargetFraction;

  // Nodes above the mean in a resource that is out of balance: where moves start from.
  auto sourceNodes = [&](const std::map<Resource, Simulation::Stats>& stats) {
    std::vector<bool> source(sim.size(), false);
    for (Resource r : sim.resources()) {
      const auto& s = stats.at(r);
      if (s.max - s.min <= target) continue;
      for (size_t i = 0; i < sim.size(); ++i) {
        if (sim.counts(i, r) && sim.utilisation(i, r) > s.mean) source[i] = true;
      }
    }
    return source;
  };
  auto statsNow = [&] {
    std::map<Resource, Simulation::Stats> stats;
    for (Resource r : sim.resources()) stats[r] = sim.stats(r);
    return stats;
  };
  std::vector<bool> initialSources = sourceNodes(statsNow());
  // Steering: while the pass runs, the nodes moves start from carry a PreferNoSchedule
  // taint, so the scheduler sends the replacements elsewhere (TaintToleration outweighs
  // the replica spreading that would otherwise send many back). The model sees it too.
  if (policy.steerWithTaint && !plan.balancedBefore) {
    for (size_t i = 0; i < sim.size(); ++i) {
      if (!initialSources[i]) continue;
      scheduler.addTaint(*scheduler.indexOf(sim.node(i).name), steeringTaint());
      plan.steerAwayFrom.push_back(sim.node(i).name);
    }
  }

  std::vector<int64_t> pdbBudget;
  for (const auto& pdb : snapshot.pdbs) pdbBudget.push_back(pdb.disruptionsAllowed);

  auto skip = [&](const PodInfo& pod, std::string reason) {
    ++plan.skippedTotal;
    if (plan.skipped.size() < kMaxSkippedListed) {
      plan.skipped.push_back(SkippedPod{pod.ns, pod.name, pod.nodeName, std::move(reason)});
    }
  };

  std::vector<Candidate> candidates;
  for (const auto& pod : snapshot.pods) {
    auto at = indexOf.find(pod.nodeName);
    if (!pod.occupiesNode() || at == indexOf.end()) continue;
    bool onSource = initialSources[at->second];
    if (auto reason = immovableReason(pod, policy)) {
      if (onSource) skip(pod, *reason);
      continue;
    }
    if (budget.doNotEvict.count(pod.key())) {
      if (onSource) skip(pod, "refused earlier in this round (PodDisruptionBudget) or already evicted");
      continue;
    }
    Candidate c{&pod, at->second, *scheduler.indexOf(pod.nodeName), {}, std::vector<bool>(sim.size(), false)};
    for (size_t p = 0; p < snapshot.pdbs.size(); ++p) {
      const auto& pdb = snapshot.pdbs[p];
      if (pdb.ns == pod.ns && labelSelectorMatches(pdb.selector, pod.labels)) c.pdbs.push_back(p);
    }
    bool anywhere = false;
    for (size_t i = 0; i < sim.size(); ++i) {
      c.placementAllowed[i] = i != c.node && !placementBlocker(pod, sim.node(i)).has_value();
      anywhere = anywhere || c.placementAllowed[i];
    }
    if (!anywhere) {
      if (onSource) skip(pod, "fits on no other node (nodeSelector, affinity or taints)");
      continue;
    }
    candidates.push_back(std::move(c));
  }

  // Where the scheduler would put the replacement of c's pod, and what that does.
  auto predict = [&](const Candidate& c, const std::map<Resource, Simulation::Stats>& stats) {
    PredictedMove move;
    Placement placement = scheduler.place(*c.pod, c.modelNode, kPredictionMarginPoints);
    if (placement.nodes.empty()) return move;
    move.modelTarget = placement.nodes.front();
    move.target = simIndexOfModel[move.modelTarget];
    move.useful = true;
    move.delta = std::numeric_limits<double>::lowest();
    for (size_t modelNode : placement.nodes) {
      // Back where it was, or somewhere the plan may not put it: the eviction buys nothing.
      std::optional<size_t> to = simIndexOfModel[modelNode];
      if (modelNode == c.modelNode || (to && !c.placementAllowed[*to])) {
        move.useful = false;
        return move;
      }
      move.delta = std::max(move.delta, sim.varianceDelta(*c.pod, c.node, to, stats));
    }
    move.useful = move.delta < -1e-9;
    return move;
  };

  std::map<std::string, int> evictedFromNode = budget.evictedFromNode;
  int evicted = budget.evicted;
  while (true) {
    auto stats = statsNow();
    bool isBalanced = plan.balancedBefore;
    if (!isBalanced) {
      isBalanced = true;
      for (Resource r : sim.resources()) isBalanced = isBalanced && stats[r].max - stats[r].min <= target + 1e-9;
    }
    if (isBalanced) {
      plan.stopReason = plan.evictions.empty() ? "already balanced" : "balanced";
      break;
    }
    if (evicted >= policy.maxEvictionsPerRound) {
      plan.stopReason = "reached max_evictions_per_round (" + std::to_string(policy.maxEvictionsPerRound) + ")";
      break;
    }
    std::vector<bool> source = sourceNodes(stats);
    // Replicas of one controller on one node are interchangeable: predict once for them.
    std::map<std::pair<std::string, size_t>, PredictedMove> predicted;
    Candidate* best = nullptr;
    PredictedMove bestMove;
    for (auto& c : candidates) {
      if (c.chosen || !source[c.node]) continue;
      if (evictedFromNode[sim.node(c.node).name] >= policy.maxEvictionsPerNode) continue;
      bool pdbAllows = std::all_of(c.pdbs.begin(), c.pdbs.end(), [&](size_t p) { return pdbBudget[p] > 0; });
      if (!pdbAllows) continue;
      std::string owner = ownerKey(*c.pod);
      PredictedMove move;
      if (owner.empty()) {
        move = predict(c, stats);
      } else {
        auto key = std::pair{owner, c.node};
        auto it = predicted.find(key);
        if (it == predicted.end()) it = predicted.emplace(key, predict(c, stats)).first;
        move = it->second;
      }
      if (move.useful && (!best || move.delta < bestMove.delta)) best = &c, bestMove = move;
    }
    if (!best) {
      plan.stopReason = "no eviction allowed by the caps, PodDisruptionBudgets and fit would lower the spread "
                        "where the scheduler would place its replacement";
      break;
    }
    best->chosen = true;
    const PodInfo& pod = *best->pod;
    std::string expected = scheduler.node(bestMove.modelTarget).name;
    plan.evictions.push_back(PlannedEviction{pod.ns, pod.name, pod.nodeName, expected, pod.requests});
    sim.move(pod, best->node, bestMove.target);
    scheduler.remove(pod, best->modelNode);
    PodInfo replacement = pod;
    replacement.nodeName = expected;
    replacement.terminating = false;
    scheduler.add(replacement, bestMove.modelTarget);
    ++evictedFromNode[pod.nodeName];
    ++evicted;
    for (size_t p : best->pdbs) --pdbBudget[p];
  }

  // Why the movable pods on the crowded nodes stayed.
  for (const auto& c : candidates) {
    if (c.chosen || !initialSources[c.node]) continue;
    std::string reason;
    for (size_t p : c.pdbs) {
      if (pdbBudget[p] <= 0) reason = "PodDisruptionBudget " + snapshot.pdbs[p].ns + "/" + snapshot.pdbs[p].name + " allows no more disruptions now";
    }
    if (reason.empty() && evictedFromNode[c.pod->nodeName] >= policy.maxEvictionsPerNode) {
      reason = "max_evictions_per_node reached on " + c.pod->nodeName;
    }
    if (reason.empty()) {
      bool fitsSomewhere = false;
      for (size_t b = 0; b < sim.size() && !fitsSomewhere; ++b) {
        fitsSomewhere = c.placementAllowed[b] && !resourceBlocker(*c.pod, sim.node(b), sim.requested(b));
      }
      reason = fitsSomewhere ? "not needed: moving it would not lower the spread further"
                             : "fits on no other node (not enough free resources where it may run)";
    }
    skip(*c.pod, reason);
  }
  if (plan.evictions.empty()) plan.steerAwayFrom.clear();
  plan.predicted = sim.summary();
  plan.balancedPredicted = balanced(plan.predicted, policy.thresholdPercent);
  return plan;
}

nlohmann::json Plan::toJson() const {
  nlohmann::json evictionList = nlohmann::json::array();
  for (const auto& e : evictions) {
    evictionList.push_back({{"namespace", e.ns},
                            {"pod", e.name},
                            {"from_node", e.fromNode},
                            {"expected_node", e.expectedNode},
                            {"cpu_millis", e.requests.cpuMillis},
                            {"memory_bytes", e.requests.memoryBytes},
                            {"gpus", e.requests.gpus}});
  }
  nlohmann::json skippedList = nlohmann::json::array();
  for (const auto& s : skipped) {
    skippedList.push_back({{"namespace", s.ns}, {"pod", s.name}, {"node", s.node}, {"reason", s.reason}});
  }
  return {{"before", before.toJson()},
          {"predicted", predicted.toJson()},
          {"evictions", evictionList},
          {"skipped", skippedList},
          {"skipped_total", skippedTotal},
          {"balanced_before", balancedBefore},
          {"balanced_predicted", balancedPredicted},
          {"stop_reason", stopReason},
          {"steer_away_from", steerAwayFrom}};
}

}  // namespace floe::appliance::rebalance
