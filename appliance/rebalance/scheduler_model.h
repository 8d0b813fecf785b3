// Where kube-scheduler would put a pod: a model of its default profile, so the planner
// evicts only pods whose replacements the scheduler will place where the plan needs them.
//
// The model follows kube-scheduler v1.33 (pkg/scheduler/apis/config/v1/default_plugins.go
// and the plugins' Score/NormalizeScore; the cluster tier runs that version):
//   filters   Ready, not cordoned, nodeSelector, required node affinity, NoSchedule and
//             NoExecute taints, free CPU/memory/GPUs/pod slots (fit_check.h)
//   score     NodeResourcesFit LeastAllocated (cpu, memory; weight 1)
//             + NodeResourcesBalancedAllocation (cpu, memory; weight 1)
//             + 2 x PodTopologySpread with the system defaults (hostname maxSkew 3, zone
//               maxSkew 5, ScheduleAnyway) over the pods of the same ReplicaSet,
//               ReplicationController or StatefulSet that are not terminating
//             + 3 x TaintToleration (PreferNoSchedule taints the pod does not tolerate)
// with the scheduler's integer arithmetic and normalisation. Not modelled (a pod using
// them may land elsewhere; the round measures again): the pod's own topology spread
// constraints, inter-pod (anti-)affinity, preferred node affinity, image locality,
// Services whose selectors narrow the spreading, non-default scheduler configurations.
// The scheduler picks at random among the nodes with the top score; so does not the
// model: `Placement` lists every node within `margin` of the top score, and the
// planner judges a move by the worst of them.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rebalance/cluster_snapshot.h"

namespace floe::appliance::rebalance {

struct Placement {
  std::vector<size_t> nodes;  // best first; empty: the pod fits nowhere
  std::vector<int64_t> scores;  // the weighted total of each, same order
};

class SchedulerModel {
 public:
  explicit SchedulerModel(const ClusterSnapshot& snapshot);

  size_t size() const { return nodes_.size(); }
  const NodeInfo& node(size_t i) const { return nodes_[i]; }
  std::optional<size_t> indexOf(const std::string& nodeName) const;

  // Where the scheduler would put a new pod with `pod`'s spec (a replacement: same
  // labels, owner and requests), every node scoring within `margin` points of the best.
  // `vacated`: the node `pod` itself is evicted from, counted as already gone there.
  Placement place(const PodInfo& pod, std::optional<size_t> vacated, int64_t margin = 0) const;

  // The weighted score of every node for `pod` (nullopt: filtered out); for tests and logs.
  std::vector<std::optional<int64_t>> scores(const PodInfo& pod, std::optional<size_t> vacated) const;

  // The node as the scheduler would see it with `taint` added (see the planner's steering).
  void addTaint(size_t i, const Taint& taint) { nodes_[i].taints.push_back(taint); }

  // Updates the model: `pod` left node i (evicted), or a pod like it was bound to node i.
  void remove(const PodInfo& pod, size_t i);
  void add(const PodInfo& pod, size_t i);

 private:
  std::vector<NodeInfo> nodes_;  // every node of the snapshot
  std::map<std::string, size_t> indexOf_;
  std::vector<Resources> requested_;  // what the pods bound there request, terminating ones included
  std::vector<Resources> nonZeroRequested_;  // the same with the scheduler's defaults for unset requests
  std::map<std::string, std::vector<int>> spreadCounts_;  // spreading owner -> live pods per node
};

// The owner whose pods the default topology spreading counts ("" when none does): the
// controller when it is a ReplicaSet, ReplicationController or StatefulSet.
std::string spreadingOwner(const PodInfo& pod);

}  // namespace floe::appliance::rebalance
