#include "deploy/spark_ceiling.h"

#include <algorithm>

#include "rebalance/spark_capacity.h"

namespace floe::appliance {

rebalance::ClusterSnapshot snapshotFromInventory(const std::vector<StackNode>& nodes) {
  constexpr int64_t kGiB = 1LL << 30;
  rebalance::ClusterSnapshot snapshot;
  for (const auto& node : nodes) {
    rebalance::NodeInfo info;
    info.name = node.name;
    info.labels = node.labelling.labels;
    for (const auto& taint : node.labelling.taints) info.taints.push_back({taint.key, taint.value, taint.effect});
    info.allocatable.cpuMillis = int64_t{node.labelInt("floe.io/cpu-cores")} * 1000;
    info.allocatable.memoryBytes = int64_t{node.labelInt("floe.io/memory-gib")} * kGiB;
    info.ready = true;
    snapshot.nodes.push_back(std::move(info));
  }
  return snapshot;
}

int sparkExecutorCeiling(const std::vector<StackNode>& nodes, const SparkSizing& sizing,
                         const SparkCapacitySource& capacity) {
  rebalance::RebalancePolicy policy = capacity.policy;
  policy.spark.executorCpuMillis = int64_t{sizing.executorCores} * 1000;
  policy.spark.executorMemoryBytes = int64_t{sizing.executorMemoryGiB} << 30;
  policy.nodeSelector["floe.io/role"] = "worker";
  int64_t executors = capacity.live ? rebalance::sparkMaxExecutors(*capacity.live, policy)
                                    : rebalance::sparkMaxExecutors(snapshotFromInventory(nodes), policy);
  return static_cast<int>(std::clamp<int64_t>(executors, 1, 100000));
}

}  // namespace floe::appliance
