#include <catch2/catch.hpp>

#include "rebalance/balanced_nodes.h"
#include "rebalance/planner.h"
#include "rebalance/pod_mobility.h"
#include "rebalance/utilisation.h"
#include "snapshot_builders.h"

namespace floe::appliance::rebalance {
namespace {

using testing::node;
using testing::pod;

// The sandbox's shape: two general workers, one loaded, one new, and a GPU server whose
// taint only a DaemonSet pod tolerates.
ClusterSnapshot withGpuServer() {
  ClusterSnapshot s;
  auto gpu = node("gpu", 10000, 64, 4);
  gpu.taints = {Taint{"nvidia.com/gpu", "present", "NoSchedule"}};
  s.nodes = {node("busy", 10000), node("new", 10000), gpu};
  for (int i = 0; i < 6; ++i) s.pods.push_back(pod("web-" + std::to_string(i), "busy", 1000));
  auto agent = pod("volume-agent", "gpu", 100, 0, "storage", "volume");
  agent.controller = OwnerRef{"DaemonSet", "volume"};
  agent.tolerations = {Toleration{"nvidia.com/gpu", "Exists", "", "NoSchedule"}};
  s.pods.push_back(agent);
  return s;
}

TEST_CASE("balanced nodes: a tainted node no movable pod tolerates is left out, with the reason",
          "[rebalance][balanced-nodes]") {
  ClusterSnapshot s = withGpuServer();
  BalancedNodes picked = balancedNodes(s, RebalancePolicy{});
  REQUIRE(picked.nodes.size() == 2);
  CHECK(picked.nodes[0]->name == "busy");
  CHECK(picked.nodes[1]->name == "new");
  REQUIRE(picked.leftOut.size() == 1);
  CHECK(picked.leftOut[0].node == "gpu");
  CHECK(picked.leftOut[0].reason ==
        "tainted nvidia.com/gpu=present:NoSchedule: no pod the rebalancer may move tolerates it");
  CHECK(picked.leftOutJson() == nlohmann::json::parse(R"([{"node":"gpu","reason":
        "tainted nvidia.com/gpu=present:NoSchedule: no pod the rebalancer may move tolerates it"}])"));

  // Measured and planned over the two others: the plan balances them, the GPU server's
  // near-empty CPU no longer holds the spread open.
  UtilisationSummary before = measureUtilisation(s, RebalancePolicy{});
  CHECK(before.nodes.size() == 2);
  CHECK(before.worstSpread() == Approx(60));
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.balancedPredicted);
  for (const auto& e : plan.evictions) CHECK(e.expectedNode == "new");
}

TEST_CASE("balanced nodes: one movable pod tolerating every hard taint keeps the node in",
          "[rebalance][balanced-nodes]") {
  ClusterSnapshot s = withGpuServer();
  s.nodes[2].taints.push_back(Taint{"dedicated", "ml", "NoExecute"});
  s.nodes[2].taints.push_back(Taint{"soft", "", "PreferNoSchedule"});  // a preference keeps nobody off
  auto trainer = pod("trainer", "busy", 1000, 0, "ml", "trainer");
  trainer.tolerations = {Toleration{"nvidia.com/gpu", "Exists", "", "NoSchedule"}};
  s.pods.push_back(trainer);

  SECTION("tolerating only one of the two taints is not enough") {
    BalancedNodes picked = balancedNodes(s, RebalancePolicy{});
    REQUIRE(picked.leftOut.size() == 1);
    CHECK(picked.leftOut[0].reason ==
          "tainted nvidia.com/gpu=present:NoSchedule, dedicated=ml:NoExecute: no pod the rebalancer may move "
          "tolerates it");
  }
  SECTION("tolerating both") {
    s.pods.back().tolerations.push_back(Toleration{"dedicated", "Equal", "ml", "NoExecute"});
    BalancedNodes picked = balancedNodes(s, RebalancePolicy{});
    CHECK(picked.leftOut.empty());
    CHECK(picked.nodes.size() == 3);
  }
  SECTION("a tolerating pod the rebalancer may not move does not count") {
    s.pods.back().tolerations.push_back(Toleration{"dedicated", "Equal", "ml", "NoExecute"});
    s.pods.back().annotations[kRebalanceAnnotation] = "never";
    CHECK(balancedNodes(s, RebalancePolicy{}).leftOut.size() == 1);
  }
}

TEST_CASE("balanced nodes: nodes not taking part are neither balanced nor listed as left out",
          "[rebalance][balanced-nodes]") {
  ClusterSnapshot s = withGpuServer();
  s.nodes[1].unschedulable = true;
  s.nodes[2].taints.clear();
  BalancedNodes picked = balancedNodes(s, RebalancePolicy{});
  REQUIRE(picked.nodes.size() == 2);
  CHECK(picked.nodes[1]->name == "gpu");
  CHECK(picked.leftOut.empty());
}

}  // namespace
}  // namespace floe::appliance::rebalance
