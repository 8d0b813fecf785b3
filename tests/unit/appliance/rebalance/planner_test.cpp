#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "rebalance/planner.h"
#include "rebalance/pod_mobility.h"
#include "snapshot_builders.h"

namespace floe::appliance::rebalance {
namespace {

using testing::node;
using testing::pod;

// Six nodes of 10 cores each loaded to 60% with 1-core pods, then two empty ones: the
// picture of workers joining a busy cluster.
ClusterSnapshot sixBusyTwoNew() {
  ClusterSnapshot s;
  for (int n = 0; n < 8; ++n) s.nodes.push_back(node("n" + std::to_string(n), 10000));
  for (int n = 0; n < 6; ++n) {
    for (int p = 0; p < 6; ++p) s.pods.push_back(pod("p" + std::to_string(n) + "-" + std::to_string(p), "n" + std::to_string(n), 1000, 4));
  }
  return s;
}

// Applies a plan the way a cooperative scheduler would: every pod lands where predicted.
ClusterSnapshot applied(ClusterSnapshot s, const Plan& plan) {
  std::map<std::string, std::string> moved;
  for (const auto& e : plan.evictions) moved[e.key()] = e.expectedNode;
  for (auto& p : s.pods) {
    if (auto it = moved.find(p.key()); it != moved.end()) p.nodeName = it->second;
  }
  return s;
}

std::multiset<std::string> evictedFrom(const Plan& plan) {
  std::multiset<std::string> out;
  for (const auto& e : plan.evictions) out.insert(e.fromNode);
  return out;
}

TEST_CASE("planner: new empty nodes take load until the spread is within the threshold", "[rebalance][planner]") {
  RebalancePolicy policy;
  auto snapshot = sixBusyTwoNew();
  Plan plan = planRebalance(snapshot, policy);
  CHECK_FALSE(plan.balancedBefore);
  CHECK(plan.before.spreads.at(Resource::kCpu).spread == Approx(60));
  CHECK(plan.balancedPredicted);
  CHECK(plan.predicted.worstSpread() <= 10.0);
  // 36 cores over 80: 45% mean; each new node needs >= 4 pods to come within 10 points of
  // the busiest node (which needs to drop to <= 50 + ...): 8 moves is the fewest possible
  // that brings every node within 10 points (old nodes at 50-60, new at 40+).
  CHECK(plan.evictions.size() <= 10);
  for (const auto& e : plan.evictions) CHECK((e.expectedNode == "n6" || e.expectedNode == "n7"));
  // The measured result of applying the plan agrees with the prediction.
  auto after = measureUtilisation(applied(snapshot, plan), policy);
  CHECK(after.worstSpread() == Approx(plan.predicted.worstSpread()));
}

TEST_CASE("planner: nothing to do on a balanced cluster", "[rebalance][planner]") {
  ClusterSnapshot s;
  for (int n = 0; n < 3; ++n) {
    s.nodes.push_back(node("n" + std::to_string(n), 4000));
    s.pods.push_back(pod("p" + std::to_string(n), "n" + std::to_string(n), 2000));
  }
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.balancedBefore);
  CHECK(plan.evictions.empty());
  CHECK(plan.stopReason == "already balanced");
}

TEST_CASE("planner: prefers one large move over many small ones", "[rebalance][planner]") {
  ClusterSnapshot s;
  s.nodes = {node("busy", 10000), node("idle", 10000)};
  s.pods = {pod("big", "busy", 3000), pod("s1", "busy", 500), pod("s2", "busy", 500), pod("s3", "busy", 500),
            pod("s4", "busy", 500), pod("s5", "busy", 500), pod("s6", "busy", 500)};
  Plan plan = planRebalance(s, RebalancePolicy{});
  REQUIRE(plan.evictions.size() == 1);
  CHECK(plan.evictions[0].name == "big");
  CHECK(plan.predicted.spreads.at(Resource::kCpu).spread == Approx(0));
}

TEST_CASE("planner: never moves standalone, DaemonSet, local-storage, system, pinned or Spark pods", "[rebalance][planner]") {
  ClusterSnapshot s;
  s.nodes = {node("busy", 10000), node("idle", 10000)};
  auto standalone = pod("standalone", "busy", 1000);
  standalone.controller.reset();
  auto daemon = pod("daemon", "busy", 1000);
  daemon.controller = OwnerRef{"DaemonSet", "agent"};
  auto scratch = pod("scratch", "busy", 1000);
  scratch.usesLocalStorage = true;
  auto dns = pod("coredns", "busy", 1000, 0, "kube-system");
  auto pinned = pod("pinned", "busy", 1000);
  pinned.annotations[kRebalanceAnnotation] = "never";
  auto executor = pod("exec-1", "busy", 1000);
  executor.labels[kSparkRoleLabel] = "executor";
  auto driver = pod("driver", "busy", 1000);
  driver.labels[kSparkRoleLabel] = "driver";
  auto claim = pod("db-0", "busy", 1000);
  claim.usesPersistentVolumeClaim = true;
  s.pods = {standalone, daemon, scratch, dns, pinned, executor, driver, claim};
  RebalancePolicy policy;
  Plan plan = planRebalance(s, policy);
  CHECK(plan.evictions.empty());
  CHECK_FALSE(plan.balancedPredicted);
  std::map<std::string, std::string> reasons;
  for (const auto& skipped : plan.skipped) reasons[skipped.name] = skipped.reason;
  CHECK(reasons.size() == 8);
  CHECK_THAT(reasons["standalone"], Catch::Contains("standalone"));
  CHECK_THAT(reasons["daemon"], Catch::Contains("DaemonSet"));
  CHECK_THAT(reasons["scratch"], Catch::Contains("local storage"));
  CHECK_THAT(reasons["coredns"], Catch::Contains("protected namespace kube-system"));
  CHECK_THAT(reasons["pinned"], Catch::Contains("floe.io/rebalance=never"));
  CHECK_THAT(reasons["exec-1"], Catch::Contains("Spark executor"));
  CHECK_THAT(reasons["driver"], Catch::Contains("Spark driver"));
  CHECK_THAT(reasons["db-0"], Catch::Contains("PersistentVolumeClaim"));

  SECTION("unless the policy allows it (DaemonSet pods and drivers never)") {
    policy.evictStandalonePods = policy.evictLocalStoragePods = policy.evictProtectedNamespaces = true;
    policy.evictPodsWithVolumeClaims = policy.spark.decommissionExecutors = true;
    Plan allowed = planRebalance(s, policy);
    std::set<std::string> moved;
    for (const auto& e : allowed.evictions) moved.insert(e.name);
    CHECK_FALSE(moved.count("daemon"));
    CHECK_FALSE(moved.count("pinned"));
    CHECK_FALSE(moved.count("driver"));
    CHECK(allowed.balancedPredicted);
  }
}

TEST_CASE("planner: a pod that fits nowhere else stays, and says why", "[rebalance][planner]") {
  ClusterSnapshot s;
  s.nodes = {node("big", 32000), node("small1", 4000), node("small2", 4000)};
  s.pods = {pod("huge", "big", 24000)};
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.evictions.empty());
  REQUIRE(plan.skipped.size() == 1);
  CHECK(plan.skipped[0].name == "huge");
  CHECK_THAT(plan.skipped[0].reason, Catch::Contains("fits on no other node"));
}

TEST_CASE("planner: nodeSelector, required affinity and taints limit where a pod may go", "[rebalance][planner]") {
  ClusterSnapshot s;
  auto gpu = node("gpu", 10000);
  gpu.taints.push_back(Taint{"nvidia.com/gpu", "present", "NoSchedule"});
  auto ssd = node("ssd", 10000);
  ssd.labels["disk"] = "ssd";
  auto plain = node("plain", 10000);
  s.nodes = {node("busy", 10000), gpu, ssd, plain};
  s.nodes[0].labels["disk"] = "ssd";
  auto wantsSsd = pod("wants-ssd", "busy", 2000);
  wantsSsd.nodeSelector = {{"disk", "ssd"}};
  auto affinity = pod("affinity", "busy", 2000);
  affinity.requiredNodeAffinity = {NodeSelectorTerm{{SelectorRequirement{"kubernetes.io/hostname", "In", {"plain", "busy"}}}, {}}};
  auto tolerant = pod("tolerant", "busy", 2000);
  tolerant.tolerations = {Toleration{"nvidia.com/gpu", "Exists", "", "NoSchedule"}};
  s.pods = {wantsSsd, affinity, tolerant, pod("filler", "busy", 2000)};
  Plan plan = planRebalance(s, RebalancePolicy{});
  std::map<std::string, std::string> target;
  for (const auto& e : plan.evictions) target[e.name] = e.expectedNode;
  if (target.count("wants-ssd")) CHECK(target["wants-ssd"] == "ssd");
  if (target.count("affinity")) CHECK(target["affinity"] == "plain");
  for (const auto& [name, to] : target) {
    if (name != "tolerant") CHECK(to != "gpu");  // only the tolerating pod may land on the tainted node
  }
  CHECK(target.size() == 3);  // 8 cores over 4 nodes: three moves make every node 20%
  CHECK(plan.balancedPredicted);
}

TEST_CASE("planner: a PodDisruptionBudget's allowed disruptions bound the plan", "[rebalance][planner]") {
  ClusterSnapshot s = sixBusyTwoNew();
  // Every pod of node n0..n5 belongs to app "web" under one PDB allowing 2 disruptions.
  LabelSelector selector;
  selector.matchLabels = {{"app", "web"}};
  s.pdbs.push_back(PdbInfo{"apps", "web-pdb", selector, 2});
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.evictions.size() == 2);
  CHECK_FALSE(plan.balancedPredicted);
  bool mentioned = false;
  for (const auto& skipped : plan.skipped) mentioned = mentioned || skipped.reason.find("web-pdb") != std::string::npos;
  CHECK(mentioned);

  SECTION("a PDB in another namespace does not apply") {
    s.pdbs[0].ns = "other";
    CHECK(planRebalance(s, RebalancePolicy{}).balancedPredicted);
  }
  SECTION("a PDB allowing nothing blocks every eviction") {
    s.pdbs[0].disruptionsAllowed = 0;
    CHECK(planRebalance(s, RebalancePolicy{}).evictions.empty());
  }
}

TEST_CASE("planner: caps per node and per round", "[rebalance][planner]") {
  auto s = sixBusyTwoNew();
  RebalancePolicy policy;
  SECTION("per round") {
    policy.maxEvictionsPerRound = 3;
    Plan plan = planRebalance(s, policy);
    CHECK(plan.evictions.size() == 3);
    CHECK_THAT(plan.stopReason, Catch::Contains("max_evictions_per_round"));
  }
  SECTION("per node") {
    policy.maxEvictionsPerNode = 1;
    Plan plan = planRebalance(s, policy);
    for (const auto& node : {"n0", "n1", "n2", "n3", "n4", "n5"}) CHECK(evictedFrom(plan).count(node) <= 1);
  }
  SECTION("an earlier pass's evictions count") {
    PlanBudget budget;
    budget.evicted = 199;
    CHECK(planRebalance(s, policy, budget).evictions.size() == 1);
    budget.evicted = 0;
    budget.doNotEvict = {"apps/p0-0", "apps/p0-1", "apps/p0-2", "apps/p0-3", "apps/p0-4", "apps/p0-5"};
    CHECK(evictedFrom(planRebalance(s, policy, budget)).count("n0") == 0);
  }
}

TEST_CASE("planner: cordoned, NotReady and unselected nodes take no part", "[rebalance][planner]") {
  auto s = sixBusyTwoNew();
  s.nodes[6].unschedulable = true;
  s.nodes[7].ready = false;
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.balancedBefore);  // the six busy nodes are equal
  CHECK(plan.before.nodes.size() == 6);
  RebalancePolicy selective;
  selective.nodeSelector = {{"pool", "batch"}};
  CHECK(planRebalance(sixBusyTwoNew(), selective).before.nodes.empty());
}

TEST_CASE("planner: memory imbalance counts as much as CPU", "[rebalance][planner]") {
  ClusterSnapshot s;
  s.nodes = {node("a", 10000, 64), node("b", 10000, 64)};
  for (int i = 0; i < 4; ++i) s.pods.push_back(pod("m" + std::to_string(i), "a", 100, 8));
  Plan plan = planRebalance(s, RebalancePolicy{});
  CHECK(plan.before.spreads.at(Resource::kMemory).spread == Approx(50));
  CHECK(plan.evictions.size() == 2);
  CHECK(plan.predicted.spreads.at(Resource::kMemory).spread == Approx(0));
}

TEST_CASE("planner: GPUs are balanced across GPU nodes", "[rebalance][planner]") {
  ClusterSnapshot s;
  s.nodes = {node("g1", 32000, 256, 4), node("g2", 32000, 256, 4), node("cpu", 32000, 256)};
  for (int i = 0; i < 4; ++i) {
    auto p = pod("train" + std::to_string(i), "g1", 1000, 1);
    p.requests.gpus = 1;
    s.pods.push_back(p);
  }
  Plan plan = planRebalance(s, RebalancePolicy{});
  REQUIRE(plan.before.spreads.count(Resource::kGpu));
  CHECK(plan.before.spreads.at(Resource::kGpu).spread == Approx(100));
  for (const auto& e : plan.evictions) CHECK(e.expectedNode == "g2");
  CHECK(plan.predicted.spreads.at(Resource::kGpu).spread == Approx(0));
}

}  // namespace
}  // namespace floe::appliance::rebalance

namespace floe::appliance::rebalance {
namespace {

TEST_CASE("planner: without steering, evicts only pods the scheduler would place elsewhere", "[rebalance][planner]") {
  using testing::node;
  using testing::pod;
  ClusterSnapshot s;
  s.nodes = {node("busy", 10000), node("idle", 10000)};
  // Equal sizes, so only the scheduler decides: a-1's replacement would go back to "busy"
  // (replica spreading: a-2 is on "idle" and outweighs the free CPU there), b-1's to "idle".
  s.pods = {pod("a-1", "busy", 2000, 0, "apps", "a"), pod("b-1", "busy", 2000, 0, "apps", "b"),
            pod("b-2", "busy", 2000, 0, "apps", "b"), pod("a-2", "idle", 2000, 0, "apps", "a")};
  RebalancePolicy policy;
  policy.steerWithTaint = false;
  Plan plan = planRebalance(s, policy);
  REQUIRE(plan.evictions.size() == 1);
  CHECK(plan.evictions[0].name.rfind("b-", 0) == 0);
  CHECK(plan.evictions[0].expectedNode == "idle");
  CHECK(plan.steerAwayFrom.empty());
  CHECK(plan.balancedPredicted);

  SECTION("with steering, the tainted source makes any pod's replacement leave it") {
    policy.steerWithTaint = true;
    Plan steered = planRebalance(s, policy);
    REQUIRE(steered.evictions.size() == 1);
    CHECK(steered.evictions[0].expectedNode == "idle");
    CHECK(steered.steerAwayFrom == std::vector<std::string>{"busy"});
  }
}

TEST_CASE("planner: steering moves the large pods replica spreading would send back", "[rebalance][planner]") {
  using testing::node;
  using testing::pod;
  // Four busy nodes at 60 %, each with one replica of "big" (2 cores) and eight small pods
  // (0.5 cores); one new node. Unsteered, a second "big" replica on the new node loses to
  // a busy node that has none left, so the plan takes small pods; steered (the busy nodes
  // tainted PreferNoSchedule), big ones move.
  ClusterSnapshot s;
  for (int n = 0; n < 5; ++n) s.nodes.push_back(node("n" + std::to_string(n), 10000));
  for (int n = 0; n < 4; ++n) {
    std::string name = "n" + std::to_string(n);
    s.pods.push_back(pod("big-" + name, name, 2000, 4, "apps", "big"));
    for (int p = 0; p < 8; ++p) s.pods.push_back(pod("small-" + name + "-" + std::to_string(p), name, 500, 1, "apps", "small"));
  }
  RebalancePolicy unsteered;
  unsteered.steerWithTaint = false;
  Plan plain = planRebalance(s, unsteered);
  CHECK(plain.balancedPredicted);
  int bigPlain = 0;
  for (const auto& e : plain.evictions) bigPlain += e.name.rfind("big-", 0) == 0;
  CHECK(bigPlain == 1);

  RebalancePolicy policy;
  Plan first = planRebalance(s, policy);
  CHECK(first.steerAwayFrom.size() == 4);
  int bigSteered = 0;
  for (const auto& e : first.evictions) {
    bigSteered += e.name.rfind("big-", 0) == 0;
    CHECK(e.expectedNode == "n4");  // every busy node is tainted: only the new one is preferred
  }
  CHECK(bigSteered == 2);
  // The busy nodes drained below the mean stay tainted for the whole pass, so the rest
  // is the next pass's: with the taints on the nodes still above the mean.
  PlanBudget budget;
  for (const auto& e : first.evictions) budget.doNotEvict.insert(e.key()), ++budget.evicted;
  Plan second = planRebalance(applied(s, first), policy, budget);
  CHECK(second.balancedPredicted);
  CHECK(first.evictions.size() + second.evictions.size() < plain.evictions.size());
  CHECK(second.predicted.worstSpread() < plain.predicted.worstSpread());
}

}  // namespace
}  // namespace floe::appliance::rebalance
