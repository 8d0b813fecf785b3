#include "rebalance/utilisation.h"

#include "rebalance/balanced_nodes.h"

#include <algorithm>
#include <cmath>

namespace floe::appliance::rebalance {
namespace {

double round2(double value) { return std::round(value * 100.0) / 100.0; }

}  // namespace

int64_t amountOf(const Resources& r, Resource resource) {
  switch (resource) {
    case Resource::kCpu: return r.cpuMillis;
    case Resource::kMemory: return r.memoryBytes;
    case Resource::kGpu: return r.gpus;
  }
  return 0;
}

const char* resourceName(Resource resource) {
  switch (resource) {
    case Resource::kCpu: return "cpu";
    case Resource::kMemory: return "memory";
    case Resource::kGpu: return "gpu";
  }
  return "?";
}

double UtilisationSummary::worstSpread() const {
  double worst = 0;
  for (const auto& [resource, spread] : spreads) worst = std::max(worst, spread.spread);
  return worst;
}

nlohmann::json UtilisationSummary::toJson() const {
  nlohmann::json nodeList = nlohmann::json::array();
  for (const auto& n : nodes) {
    nodeList.push_back({{"node", n.node},
                        {"cpu_percent", round2(n.cpuPercent)},
                        {"memory_percent", round2(n.memoryPercent)},
                        {"gpu_percent", n.gpuPercent < 0 ? nlohmann::json() : nlohmann::json(round2(n.gpuPercent))},
                        {"pods", n.pods}});
  }
  nlohmann::json spreadOut = nlohmann::json::object();
  for (const auto& [resource, s] : spreads) {
    spreadOut[resourceName(resource)] = {{"mean", round2(s.mean)},     {"min", round2(s.min)},
                                         {"max", round2(s.max)},       {"spread", round2(s.spread)},
                                         {"stddev", round2(s.stddev)}};
  }
  return {{"nodes", nodeList}, {"spread", spreadOut}, {"worst_spread", round2(worstSpread())}};
}

bool nodeTakesPart(const NodeInfo& node, const RebalancePolicy& policy) {
  if (!node.ready || node.unschedulable) return false;
  for (const auto& [key, value] : policy.nodeSelector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return node.allocatable.cpuMillis > 0 && node.allocatable.memoryBytes > 0;
}

std::map<std::string, Resources> requestedByNode(const ClusterSnapshot& snapshot) {
  std::map<std::string, Resources> out;
  for (const auto& pod : snapshot.pods) {
    if (pod.occupiesNode()) out[pod.nodeName] += pod.requests;
  }
  return out;
}

double percentOf(int64_t used, int64_t allocatable) {
  return allocatable > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(allocatable) : 0.0;
}

std::vector<Resource> balancedResources(const std::vector<const NodeInfo*>& nodes) {
  std::vector<Resource> out{Resource::kCpu, Resource::kMemory};
  auto gpuNodes = std::count_if(nodes.begin(), nodes.end(), [](const NodeInfo* n) { return n->allocatable.gpus > 0; });
  if (gpuNodes >= 2) out.push_back(Resource::kGpu);
  return out;
}

UtilisationSummary summarise(const std::vector<const NodeInfo*>& nodes,
                             const std::map<std::string, Resources>& requested) {
  UtilisationSummary summary;
  static const Resources kNone;
  for (const NodeInfo* node : nodes) {
    auto it = requested.find(node->name);
    const Resources& used = it == requested.end() ? kNone : it->second;
    NodeUtilisation u{node->name, percentOf(used.cpuMillis, node->allocatable.cpuMillis),
                      percentOf(used.memoryBytes, node->allocatable.memoryBytes),
                      node->allocatable.gpus > 0 ? percentOf(used.gpus, node->allocatable.gpus) : -1.0,
                      static_cast<int>(used.pods)};
    summary.nodes.push_back(u);
  }
  for (Resource resource : balancedResources(nodes)) {
    std::vector<double> values;
    for (const NodeInfo* node : nodes) {
      int64_t allocatable = amountOf(node->allocatable, resource);
      if (allocatable <= 0) continue;
      auto it = requested.find(node->name);
      values.push_back(percentOf(it == requested.end() ? 0 : amountOf(it->second, resource), allocatable));
    }
    if (values.empty()) continue;
    ResourceSpread s;
    double sum = 0, sumSquares = 0;
    for (double v : values) sum += v, sumSquares += v * v;
    s.mean = sum / static_cast<double>(values.size());
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    s.spread = s.max - s.min;
    s.stddev = std::sqrt(std::max(0.0, sumSquares / static_cast<double>(values.size()) - s.mean * s.mean));
    summary.spreads[resource] = s;
  }
  return summary;
}

UtilisationSummary measureUtilisation(const ClusterSnapshot& snapshot, const RebalancePolicy& policy) {
  return summarise(balancedNodes(snapshot, policy).nodes, requestedByNode(snapshot));
}

}  // namespace floe::appliance::rebalance
