// The Spark Connect server's spark.dynamicAllocation.maxExecutors. One computation decides how
// many executors the cluster holds: the rebalancer's sparkMaxExecutors (rebalance/spark_capacity.h),
// which every rebalance report also carries. The deployer hands it the live cluster when the
// API server answers, so the ceiling follows joins, capacity changes and rebalance rounds at
// the next reconcile pass; without a cluster (`floe render`, the API not up yet) it hands it
// the inventory instead: every node as allocatable = its labelled cores and memory, no pods.
#pragma once

#include <vector>

#include "deploy/stack_values.h"
#include "rebalance/cluster_snapshot.h"

namespace floe::appliance {

// The nodes as a snapshot with nothing running: allocatable from floe.io/cpu-cores and
// floe.io/memory-gib, the node's labels and taints, Ready and schedulable.
rebalance::ClusterSnapshot snapshotFromInventory(const std::vector<StackNode>& nodes);

// sparkMaxExecutors for executors of `sizing`'s size on the nodes they may run on
// (floe.io/role=worker, as 55-spark-connect.yaml places them), with the policy's headroom and
// node selector. At least 1: Spark refuses dynamic allocation with maxExecutors = 0.
int sparkExecutorCeiling(const std::vector<StackNode>& nodes, const SparkSizing& sizing,
                         const SparkCapacitySource& capacity);

}  // namespace floe::appliance
