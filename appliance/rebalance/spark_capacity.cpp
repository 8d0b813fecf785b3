#include "rebalance/spark_capacity.h"

#include <algorithm>
#include <map>

#include "rebalance/fit_check.h"
#include "rebalance/pod_mobility.h"
#include "rebalance/utilisation.h"

namespace floe::appliance::rebalance {
namespace {

bool hardTainted(const NodeInfo& node) {
  return std::any_of(node.taints.begin(), node.taints.end(), keepsPodsOff);
}

}  // namespace

int64_t sparkMaxExecutors(const ClusterSnapshot& snapshot, const RebalancePolicy& policy) {
  std::map<std::string, Resources> others;
  for (const auto& pod : snapshot.pods) {
    if (pod.occupiesNode() && !isSparkExecutor(pod)) others[pod.nodeName] += pod.requests;
  }
  const SparkPolicy& spark = policy.spark;
  double usable = 1.0 - spark.headroomPercent / 100.0;
  int64_t total = 0;
  for (const auto& node : snapshot.nodes) {
    if (!nodeTakesPart(node, policy) || hardTainted(node)) continue;
    const Resources& used = others[node.name];
    auto freeCpu = static_cast<int64_t>(static_cast<double>(node.allocatable.cpuMillis) * usable) - used.cpuMillis;
    auto freeMemory = static_cast<int64_t>(static_cast<double>(node.allocatable.memoryBytes) * usable) - used.memoryBytes;
    if (freeCpu <= 0 || freeMemory <= 0) continue;
    total += std::min(freeCpu / spark.executorCpuMillis, freeMemory / spark.executorMemoryBytes);
  }
  return total;
}

nlohmann::json sparkCapacityJson(const ClusterSnapshot& snapshot, const RebalancePolicy& policy) {
  return {{"max_executors", sparkMaxExecutors(snapshot, policy)},
          {"executor_cpu_millis", policy.spark.executorCpuMillis},
          {"executor_memory_bytes", policy.spark.executorMemoryBytes},
          {"headroom_percent", policy.spark.headroomPercent}};
}

}  // namespace floe::appliance::rebalance
