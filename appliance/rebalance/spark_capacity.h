// How many Spark executors the cluster can hold: the Spark Connect server's
// spark.dynamicAllocation.maxExecutors follows this, so Spark grows onto new workers and
// does not queue executors that can never be scheduled.
//
// For every Node taking part (Ready, schedulable, the policy's node selector) and not
// tainted NoSchedule/NoExecute: (allocatable x (1 - headroom)) minus the requests of
// pods that are not Spark executors, divided by one executor's CPU and memory; the
// smaller count wins per node, and the nodes' counts add up. Executors already running
// are not subtracted: they are what is being sized.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"

namespace floe::appliance::rebalance {

int64_t sparkMaxExecutors(const ClusterSnapshot& snapshot, const RebalancePolicy& policy);

// {"max_executors": N, "executor_cpu_millis": ..., "executor_memory_bytes": ..., "headroom_percent": ...}
nlohmann::json sparkCapacityJson(const ClusterSnapshot& snapshot, const RebalancePolicy& policy);

}  // namespace floe::appliance::rebalance
