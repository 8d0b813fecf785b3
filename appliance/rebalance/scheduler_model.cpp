#include "rebalance/scheduler_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "rebalance/fit_check.h"

namespace floe::appliance::rebalance {
namespace {

// kube-scheduler's constants (pkg/scheduler/framework/interface.go, pkg/scheduler/util).
constexpr int64_t kMaxNodeScore = 100;
constexpr int64_t kDefaultMilliCpuRequest = 100;              // counted for a pod without a CPU request
constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;  // ... and without a memory request
// Default plugin weights (pkg/scheduler/apis/config/v1/default_plugins.go).
constexpr int64_t kFitWeight = 1;
constexpr int64_t kBalancedWeight = 1;
constexpr int64_t kSpreadWeight = 2;
constexpr int64_t kTaintWeight = 3;
// The system default topology spread constraints (ScheduleAnyway).
constexpr const char* kHostnameKey = "kubernetes.io/hostname";
constexpr const char* kZoneKey = "topology.kubernetes.io/zone";
constexpr int kHostnameMaxSkew = 3;
constexpr int kZoneMaxSkew = 5;

// What the scoring plugins count for a pod: its requests, with defaults for unset ones.
Resources nonZero(const Resources& requests) {
  Resources out = requests;
  if (out.cpuMillis == 0) out.cpuMillis = kDefaultMilliCpuRequest;
  if (out.memoryBytes == 0) out.memoryBytes = kDefaultMemoryRequest;
  return out;
}

// NodeResourcesFit with the LeastAllocated strategy, CPU and memory weighted 1 each.
int64_t leastAllocatedScore(const Resources& nonZeroRequested, const Resources& podNonZero, const Resources& allocatable) {
  int64_t sum = 0, weights = 0;
  for (auto [requested, capacity] : {std::pair{nonZeroRequested.cpuMillis + podNonZero.cpuMillis, allocatable.cpuMillis},
                                     std::pair{nonZeroRequested.memoryBytes + podNonZero.memoryBytes, allocatable.memoryBytes}}) {
    if (capacity == 0) continue;
    sum += requested > capacity ? 0 : (capacity - requested) * kMaxNodeScore / capacity;
    weights += 1;
  }
  return weights == 0 ? 0 : sum / weights;
}

// NodeResourcesBalancedAllocation over CPU and memory (skipped for a pod requesting neither).
int64_t balancedAllocationScore(const Resources& requested, const Resources& pod, const Resources& allocatable) {
  std::vector<double> fractions;
  for (auto [used, capacity] : {std::pair{requested.cpuMillis + pod.cpuMillis, allocatable.cpuMillis},
                                std::pair{requested.memoryBytes + pod.memoryBytes, allocatable.memoryBytes}}) {
    if (capacity == 0) continue;
    fractions.push_back(std::min(1.0, static_cast<double>(used) / static_cast<double>(capacity)));
  }
  double stddev = fractions.size() == 2 ? std::abs((fractions[0] - fractions[1]) / 2) : 0.0;
  return static_cast<int64_t>((1 - stddev) * static_cast<double>(kMaxNodeScore));
}

int untoleratedPreferNoSchedule(const PodInfo& pod, const NodeInfo& node) {
  return static_cast<int>(std::count_if(node.taints.begin(), node.taints.end(), [&](const Taint& taint) {
    return taint.effect == "PreferNoSchedule" && !tolerates(pod.tolerations, taint);
  }));
}

// helper.DefaultNormalizeScore(MaxNodeScore, reverse=true, ...).
void normaliseReversed(std::vector<int64_t>& scores) {
  int64_t highest = scores.empty() ? 0 : *std::max_element(scores.begin(), scores.end());
  for (auto& s : scores) s = highest == 0 ? kMaxNodeScore : kMaxNodeScore - kMaxNodeScore * s / highest;
}

// PodTopologySpread's NormalizeScore: fewest matching pods scores 100.
void normaliseSpread(std::vector<int64_t>& scores) {
  if (scores.empty()) return;
  int64_t lowest = *std::min_element(scores.begin(), scores.end());
  int64_t highest = *std::max_element(scores.begin(), scores.end());
  for (auto& s : scores) s = highest == 0 ? kMaxNodeScore : kMaxNodeScore * (highest + lowest - s) / highest;
}

}  // namespace

std::string spreadingOwner(const PodInfo& pod) {
  if (!pod.controller) return "";
  const std::string& kind = pod.controller->kind;
  if (kind != "ReplicaSet" && kind != "ReplicationController" && kind != "StatefulSet") return "";
  return ownerKey(pod);
}

SchedulerModel::SchedulerModel(const ClusterSnapshot& snapshot) {
  for (const auto& node : snapshot.nodes) {
    indexOf_[node.name] = nodes_.size();
    nodes_.push_back(node);
  }
  requested_.resize(nodes_.size());
  nonZeroRequested_.resize(nodes_.size());
  for (const auto& pod : snapshot.pods) {
    if (!pod.occupiesNode()) continue;
    if (auto i = indexOf(pod.nodeName)) add(pod, *i);
  }
}

std::optional<size_t> SchedulerModel::indexOf(const std::string& nodeName) const {
  auto it = indexOf_.find(nodeName);
  if (it == indexOf_.end()) return std::nullopt;
  return it->second;
}

void SchedulerModel::add(const PodInfo& pod, size_t i) {
  requested_[i] += pod.requests;
  nonZeroRequested_[i] += nonZero(pod.requests);
  std::string owner = spreadingOwner(pod);
  // The scheduler's spreading skips terminating pods (podtopologyspread countPodsMatchSelector).
  if (owner.empty() || pod.terminating) return;
  auto& counts = spreadCounts_[owner];
  counts.resize(nodes_.size(), 0);
  ++counts[i];
}

void SchedulerModel::remove(const PodInfo& pod, size_t i) {
  requested_[i] -= pod.requests;
  nonZeroRequested_[i] -= nonZero(pod.requests);
  std::string owner = spreadingOwner(pod);
  auto it = spreadCounts_.find(owner);
  if (owner.empty() || pod.terminating || it == spreadCounts_.end()) return;
  it->second[i] = std::max(0, it->second[i] - 1);
}

std::vector<std::optional<int64_t>> SchedulerModel::scores(const PodInfo& pod, std::optional<size_t> vacated) const {
  const size_t n = nodes_.size();
  std::string owner = spreadingOwner(pod);
  std::vector<int> siblings(n, 0);
  if (auto it = spreadCounts_.find(owner); !owner.empty() && it != spreadCounts_.end()) siblings = it->second;
  if (vacated && !owner.empty() && !pod.terminating) siblings[*vacated] = std::max(0, siblings[*vacated] - 1);
  auto requestedOn = [&](size_t i) {
    Resources r = requested_[i];
    if (vacated == i) r -= pod.requests;
    return r;
  };

  // Filters.
  std::vector<size_t> feasible;
  for (size_t i = 0; i < n; ++i) {
    const NodeInfo& node = nodes_[i];
    if (!node.ready || node.unschedulable || placementBlocker(pod, node)) continue;
    if (resourceBlocker(pod, node, requestedOn(i))) continue;
    feasible.push_back(i);
  }

  // PodTopologySpread raw scores (hostname, and zone where nodes carry one).
  std::vector<int64_t> spread(feasible.size(), 0);
  if (!owner.empty() && !feasible.empty()) {
    std::set<std::string> zones;  // a node without the label counts as the zone "" (initPreScoreState)
    for (size_t i : feasible) {
      auto it = nodes_[i].labels.find(kZoneKey);
      zones.insert(it == nodes_[i].labels.end() ? "" : it->second);
    }
    std::map<std::string, int64_t> perZone;
    for (size_t i = 0; i < n; ++i) {
      if (!nodeAffinityMatches(pod, nodes_[i])) continue;  // nodeAffinityPolicy: Honor
      auto it = nodes_[i].labels.find(kZoneKey);
      std::string zone = it == nodes_[i].labels.end() ? "" : it->second;
      if (zones.count(zone)) perZone[zone] += siblings[i];
    }
    double hostWeight = std::log(static_cast<double>(feasible.size()) + 2);
    double zoneWeight = std::log(static_cast<double>(zones.size()) + 2);
    for (size_t k = 0; k < feasible.size(); ++k) {
      const auto& labels = nodes_[feasible[k]].labels;
      double raw = 0;
      if (labels.count(kHostnameKey)) raw += siblings[feasible[k]] * hostWeight + (kHostnameMaxSkew - 1);
      if (auto it = labels.find(kZoneKey); it != labels.end()) {
        raw += static_cast<double>(perZone[it->second]) * zoneWeight + (kZoneMaxSkew - 1);
      }
      spread[k] = static_cast<int64_t>(std::round(raw));
    }
    normaliseSpread(spread);
  }

  std::vector<int64_t> taints(feasible.size(), 0);
  for (size_t k = 0; k < feasible.size(); ++k) taints[k] = untoleratedPreferNoSchedule(pod, nodes_[feasible[k]]);
  normaliseReversed(taints);

  bool bestEffort = pod.requests.cpuMillis == 0 && pod.requests.memoryBytes == 0;
  std::vector<std::optional<int64_t>> out(n);
  for (size_t k = 0; k < feasible.size(); ++k) {
    size_t i = feasible[k];
    Resources nonZeroOn = nonZeroRequested_[i];
    if (vacated == i) nonZeroOn -= nonZero(pod.requests);
    int64_t total = kFitWeight * leastAllocatedScore(nonZeroOn, nonZero(pod.requests), nodes_[i].allocatable);
    if (!bestEffort) total += kBalancedWeight * balancedAllocationScore(requestedOn(i), pod.requests, nodes_[i].allocatable);
    if (!owner.empty()) total += kSpreadWeight * spread[k];
    total += kTaintWeight * taints[k];
    out[i] = total;
  }
  return out;
}

Placement SchedulerModel::place(const PodInfo& pod, std::optional<size_t> vacated, int64_t margin) const {
  auto all = scores(pod, vacated);
  std::vector<size_t> order;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return *all[a] > *all[b]; });
  Placement placement;
  for (size_t i : order) {
    if (*all[i] < *all[order.front()] - margin) break;
    placement.nodes.push_back(i);
    placement.scores.push_back(*all[i]);
  }
  return placement;
}

}  // namespace floe::appliance::rebalance
