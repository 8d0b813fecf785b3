#include <catch2/catch.hpp>

#include "rebalance/pod_mobility.h"
#include "rebalance/rebalance_policy.h"
#include "rebalance/spark_capacity.h"
#include "snapshot_builders.h"

namespace floe::appliance::rebalance {
namespace {

TEST_CASE("policy: defaults without a file or section", "[rebalance][policy]") {
  auto empty = parseRebalancePolicy("", "floe.yaml");
  REQUIRE(empty.isOk());
  CHECK(empty->thresholdPercent == 10);
  CHECK(empty->maxEvictionsPerNode == 20);
  CHECK(empty->triggers.onNodeReady);
  CHECK_FALSE(empty->triggers.onSchedule);
  auto otherSection = parseRebalancePolicy("console:\n  port: 1\n", "floe.yaml");
  REQUIRE(otherSection.isOk());
  CHECK(otherSection->maxEvictionsPerRound == 200);
  auto missing = loadRebalancePolicy("/nonexistent/floe.yaml");
  REQUIRE(missing.isOk());
}

TEST_CASE("policy: every setting parsed", "[rebalance][policy]") {
  auto policy = parseRebalancePolicy(R"(
rebalance:
  threshold_percent: 5
  max_evictions_per_node: 3
  max_evictions_per_round: 12
  max_planning_passes: 2
  protected_namespaces: [kube-system, floe-system]
  evict_standalone_pods: true
  node_selector: {floe.io/role: worker}
  verify_timeout: 45s
  steer_with_taint: false
  spark: {decommission_executors: true, executor_cpu: 2, executor_memory: 8Gi, headroom_percent: 20}
  triggers: {on_node_ready: false, on_schedule: true, interval: 30m, settle_delay: 2s}
)", "floe.yaml");
  REQUIRE(policy.isOk());
  CHECK(policy->thresholdPercent == 5);
  CHECK(policy->maxEvictionsPerNode == 3);
  CHECK(policy->maxEvictionsPerRound == 12);
  CHECK(policy->maxPlanningPasses == 2);
  CHECK(policy->protectedNamespaces == std::vector<std::string>{"kube-system", "floe-system"});
  CHECK(policy->evictStandalonePods);
  CHECK(policy->nodeSelector.at("floe.io/role") == "worker");
  CHECK(policy->verifyTimeout == std::chrono::seconds(45));
  CHECK_FALSE(policy->steerWithTaint);
  CHECK(RebalancePolicy{}.steerWithTaint);
  CHECK(policy->spark.decommissionExecutors);
  CHECK(policy->spark.executorCpuMillis == 2000);
  CHECK(policy->spark.executorMemoryBytes == 8LL << 30);
  CHECK(policy->triggers.onSchedule);
  CHECK_FALSE(policy->triggers.onNodeReady);
  CHECK(policy->triggers.interval == std::chrono::minutes(30));
  CHECK(policy->toJson()["triggers"]["settle_delay_ms"] == 2000);
}

TEST_CASE("policy: bad values and unknown keys are errors naming the file and key", "[rebalance][policy]") {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  for (const auto& c : std::vector<Case>{
           {"rebalance:\n  threshold: 5\n", "rebalance.threshold is not a known setting"},
           {"rebalance:\n  threshold_percent: 0\n", "rebalance.threshold_percent must be a number from 1 to 100"},
           {"rebalance:\n  threshold_percent: lots\n", "rebalance.threshold_percent must be a number"},
           {"rebalance:\n  max_evictions_per_node: 1.5\n", "must be a whole number"},
           {"rebalance:\n  evict_standalone_pods: maybe\n", "must be true or false"},
           {"rebalance:\n  verify_timeout: soon\n", "rebalance.verify_timeout must be a duration"},
           {"rebalance:\n  steer_with_taint: maybe\n", "rebalance.steer_with_taint must be true or false"},
           {"rebalance:\n  spark: {executor_memory: 4 gigs}\n", "rebalance.spark.executor_memory must be a positive"},
           {"rebalance:\n  triggers: {interval: 10s}\n", "rebalance.triggers.interval must be at least 1m"},
           {"rebalance:\n  triggers: {on_boot: true}\n", "rebalance.triggers.on_boot is not a known setting"},
           {"rebalance: [1, 2]\n", "rebalance must be a mapping"},
           {"rebalance: {protected_namespaces: kube-system}\n", "must be a list of names"},
           {"rebalance: {\n", "not valid YAML"},
       }) {
    auto parsed = parseRebalancePolicy(c.yaml, "/var/lib/floe/floe.yaml");
    INFO(c.yaml);
    REQUIRE_FALSE(parsed.isOk());
    CHECK_THAT(parsed.status().message(), Catch::StartsWith("/var/lib/floe/floe.yaml: ") && Catch::Contains(c.expected));
  }
}

TEST_CASE("spark capacity: executors that fit beside everything else, per node", "[rebalance][spark]") {
  using testing::node;
  using testing::pod;
  ClusterSnapshot s;
  s.nodes = {node("a", 16000, 64), node("b", 16000, 64), node("tainted", 16000, 64)};
  s.nodes[2].taints = {Taint{"dedicated", "db", "NoSchedule"}};
  s.pods = {pod("web", "a", 4000, 8)};
  auto executor = pod("exec", "b", 8000, 32);
  executor.labels[kSparkRoleLabel] = "executor";
  s.pods.push_back(executor);
  RebalancePolicy policy;  // 1 core, 4 GiB each, 10% headroom
  // a: min((14400-4000)/1000, (57.6-8 GiB)/4 GiB) = min(10, 12) = 10; b: min(14, 14) = 14
  CHECK(sparkMaxExecutors(s, policy) == 24);
  policy.spark.executorMemoryBytes = 16LL << 30;
  CHECK(sparkMaxExecutors(s, policy) == 3 + 3);
  s.nodes.push_back(node("new", 16000, 64));
  CHECK(sparkMaxExecutors(s, policy) == 9);  // a new worker raises the ceiling
}

}  // namespace
}  // namespace floe::appliance::rebalance
