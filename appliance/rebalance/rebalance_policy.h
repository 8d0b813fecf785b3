// The rebalancer's policy: what "balanced" means, what may be moved, how much per
// round, and what triggers a round. Read from the `rebalance:` section of
// <data-dir>/floe.yaml (every key optional; defaults below and in
// appliance/rebalance/README.md). Unknown keys and bad values are errors naming the key.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "floe/common/status.h"

namespace floe::appliance::rebalance {

struct SparkPolicy {
  // Evict Spark executors (label spark-role=executor) only when Spark decommissions them
  // gracefully (spark.decommission.enabled): they finish or migrate their tasks first.
  bool decommissionExecutors = false;
  // The size of one executor, for the Spark Connect server's maximum executors.
  int64_t executorCpuMillis = 1000;
  int64_t executorMemoryBytes = 4LL << 30;
  // Capacity kept free for everything else when sizing Spark, in percent.
  double headroomPercent = 10;
};

struct TriggerPolicy {
  bool onNodeReady = true;       // a Node became Ready (a new worker, or one back)
  bool onCapacityChange = true;  // a Node's allocatable CPU, memory or GPUs changed
  bool onSchedule = false;       // periodically, every `interval`
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  // Wait this long after a trigger for more changes (several workers joining at once
  // make one round, not several) and for new Nodes to settle.
  std::chrono::milliseconds settleDelay{std::chrono::seconds(15)};
};

struct RebalancePolicy {
  // Balanced: max - min utilisation of each resource (CPU, memory, and GPUs where at
  // least two nodes have them), in percentage points, at or below this.
  double thresholdPercent = 10;
  int maxEvictionsPerNode = 20;
  int maxEvictionsPerRound = 200;
  // A round re-plans after its evictions settle, while the spread stays above the
  // threshold and moves remain, up to this many times.
  int maxPlanningPasses = 5;
  std::vector<std::string> protectedNamespaces{"kube-system", "kube-public", "kube-node-lease"};
  bool evictProtectedNamespaces = false;
  bool evictStandalonePods = false;   // pods without a controller never come back
  bool evictLocalStoragePods = false; // emptyDir/hostPath data is lost
  bool evictPodsWithVolumeClaims = false;  // the volume may be bound to its node
  // Only Nodes with all these labels take part (none: every Node).
  std::map<std::string, std::string> nodeSelector;
  std::chrono::milliseconds verifyTimeout{std::chrono::seconds(120)};
  // While a pass's replacements are scheduled, taint the nodes it evicts from
  // floe.io/rebalancing:PreferNoSchedule so the scheduler prefers the others (removed
  // when the pass ends; see appliance/rebalance/README.md "Steering").
  bool steerWithTaint = true;
  SparkPolicy spark;
  TriggerPolicy triggers;

  nlohmann::json toJson() const;
};

// Parses the `rebalance:` section of a floe.yaml text (the whole document; other
// sections are left to their owners). `source` names the file in errors.
Result<RebalancePolicy> parseRebalancePolicy(std::string_view yamlText, std::string_view source);

// <data-dir>/floe.yaml when it exists, else the defaults.
Result<RebalancePolicy> loadRebalancePolicy(const std::filesystem::path& file);

}  // namespace floe::appliance::rebalance
