#include <catch2/catch.hpp>

#include "rebalance/scheduler_model.h"
#include "rebalance/steering.h"
#include "snapshot_builders.h"

namespace floe::appliance::rebalance {
namespace {

using testing::node;
using testing::pod;

std::vector<std::string> names(const SchedulerModel& model, const Placement& placement) {
  std::vector<std::string> out;
  for (size_t i : placement.nodes) out.push_back(model.node(i).name);
  return out;
}

TEST_CASE("scheduler model: the scores kube-scheduler v1.33 computes", "[rebalance][scheduler_model]") {
  ClusterSnapshot s;
  s.nodes = {node("a", 24000, 96)};
  auto busy = pod("busy", "a", 14000, 28);
  busy.controller.reset();  // standalone: no replica spreading
  s.pods = {busy};
  auto incoming = pod("new", "", 1000, 2);
  incoming.controller.reset();
  SchedulerModel model(s);
  // LeastAllocated: cpu (24000-15000)*100/24000 = 37, memory (96-30)*100/96 = 68 -> (37+68)/2 = 52.
  // BalancedAllocation: fractions 0.625 and 0.3125 -> std 0.15625 -> 84.
  // TaintToleration: no PreferNoSchedule taints anywhere -> 100, weight 3.
  CHECK(model.scores(incoming, std::nullopt)[0] == 52 + 84 + 300);
}

TEST_CASE("scheduler model: replica spreading can send a replacement back to its own node", "[rebalance][scheduler_model]") {
  // Where the emptier node looks like the obvious destination, the default topology
  // spreading (weight 2) prefers the node without a sibling: the busy one, after the
  // evicted replica left it.
  ClusterSnapshot s;
  s.nodes = {node("busy", 10000), node("idle", 10000)};
  s.pods = {pod("a-1", "busy", 2000, 0, "apps", "a"), pod("b-1", "busy", 2000, 0, "apps", "b"),
            pod("b-2", "busy", 2000, 0, "apps", "b"), pod("a-2", "idle", 2000, 0, "apps", "a")};
  SchedulerModel model(s);
  size_t busy = *model.indexOf("busy");
  CHECK(names(model, model.place(s.pods[0], busy)) == std::vector<std::string>{"busy"});
  CHECK(names(model, model.place(s.pods[1], busy)) == std::vector<std::string>{"idle"});

  SECTION("a standalone pod has no spreading: the emptier node wins") {
    auto alone = s.pods[0];
    alone.controller.reset();
    CHECK(names(model, model.place(alone, busy)) == std::vector<std::string>{"idle"});
  }
  SECTION("a PreferNoSchedule taint on the source outweighs the spreading") {
    model.addTaint(busy, steeringTaint());
    CHECK(names(model, model.place(s.pods[0], busy)) == std::vector<std::string>{"idle"});
  }
  SECTION("unless the pod tolerates the taint") {
    model.addTaint(busy, steeringTaint());
    auto tolerant = s.pods[0];
    tolerant.tolerations = {Toleration{kSteeringTaintKey, "Exists", "", ""}};
    CHECK(names(model, model.place(tolerant, busy)) == std::vector<std::string>{"busy"});
  }
  SECTION("the model follows its own updates") {
    model.remove(s.pods[3], *model.indexOf("idle"));  // a-2 gone from idle: nothing pulls a-1 back
    CHECK(names(model, model.place(s.pods[0], busy)) == std::vector<std::string>{"idle"});
  }
}

TEST_CASE("scheduler model: terminating pods hold resources but do not count for spreading", "[rebalance][scheduler_model]") {
  ClusterSnapshot s;
  s.nodes = {node("a", 10000), node("b", 10000)};
  auto leaving = pod("web-1", "a", 8000, 0, "apps", "web");
  leaving.terminating = true;
  s.pods = {leaving, pod("web-2", "b", 1000, 0, "apps", "web")};
  SchedulerModel model(s);
  auto incoming = pod("web-3", "", 1000, 0, "apps", "web");
  auto scores = model.scores(incoming, std::nullopt);
  REQUIRE(scores[0]);
  REQUIRE(scores[1]);
  // "a" has no live sibling (spreading 100 vs "b"'s lower score) but 80 % of its CPU held.
  CHECK(*scores[1] > *scores[0]);
  SECTION("a pod too large for the held resources is filtered out") {
    auto big = pod("web-4", "", 3000, 0, "apps", "web");
    CHECK_FALSE(model.scores(big, std::nullopt)[0].has_value());
  }
}

TEST_CASE("scheduler model: ties list every node the scheduler may pick", "[rebalance][scheduler_model]") {
  ClusterSnapshot s;
  s.nodes = {node("busy", 10000), node("new-1", 10000), node("new-2", 10000)};
  s.pods = {pod("w-1", "busy", 2000), pod("w-2", "busy", 2000)};
  SchedulerModel model(s);
  Placement placement = model.place(s.pods[0], *model.indexOf("busy"));
  CHECK(names(model, placement) == std::vector<std::string>{"new-1", "new-2"});
  CHECK(placement.scores[0] == placement.scores[1]);
  SECTION("a margin widens the set to near-ties") {
    CHECK(model.place(s.pods[0], *model.indexOf("busy"), 1000).nodes.size() == 3);
  }
}

TEST_CASE("scheduler model: filters follow the scheduler's", "[rebalance][scheduler_model]") {
  ClusterSnapshot s;
  auto cordoned = node("cordoned", 10000);
  cordoned.unschedulable = true;
  auto tainted = node("tainted", 10000);
  tainted.taints = {Taint{"dedicated", "db", "NoSchedule"}};
  auto notReady = node("not-ready", 10000);
  notReady.ready = false;
  auto full = node("full", 10000);
  s.nodes = {cordoned, tainted, notReady, full, node("free", 10000)};
  s.pods = {pod("filler", "full", 9500)};
  SchedulerModel model(s);
  auto incoming = pod("p", "", 1000);
  CHECK(names(model, model.place(incoming, std::nullopt, 1000)) == std::vector<std::string>{"free"});
}

TEST_CASE("scheduler model: zone spreading counts every node of the zone", "[rebalance][scheduler_model]") {
  // Zone "x" already holds three replicas (on x-1) and zone "y" none: y-1 wins over x-2,
  // though neither holds a replica itself and x-2 is the emptier.
  ClusterSnapshot s;
  auto x1 = node("x-1", 10000), x2 = node("x-2", 10000), y1 = node("y-1", 10000);
  x1.labels[std::string("topology.kubernetes.io/zone")] = "x";
  x2.labels[std::string("topology.kubernetes.io/zone")] = "x";
  y1.labels[std::string("topology.kubernetes.io/zone")] = "y";
  s.nodes = {x1, x2, y1};
  for (int i = 0; i < 3; ++i) s.pods.push_back(pod("w-" + std::to_string(i), "x-1", 100));
  auto filler = pod("filler", "y-1", 300);
  filler.controller.reset();
  s.pods.push_back(filler);
  SchedulerModel model(s);
  auto scores = model.scores(pod("w-new", "", 100), std::nullopt);
  CHECK(*scores[2] > *scores[1]);
}

}  // namespace
}  // namespace floe::appliance::rebalance
