#include <catch2/catch.hpp>

#include "rebalance/cluster_snapshot.h"

namespace floe::appliance::rebalance {
namespace {

using nlohmann::json;

TEST_CASE("snapshot: a Node's allocatable, readiness, taints and labels", "[rebalance]") {
  json node = json::parse(R"({
    "metadata": {"name": "w1", "labels": {"zone": "a"}},
    "spec": {"unschedulable": true, "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]},
    "status": {"allocatable": {"cpu": "15500m", "memory": "64Gi", "nvidia.com/gpu": "2", "pods": "110"},
               "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}})");
  auto info = nodeFromObject(node);
  REQUIRE(info.isOk());
  CHECK(info->name == "w1");
  CHECK(info->ready);
  CHECK(info->unschedulable);
  CHECK(info->allocatable.cpuMillis == 15500);
  CHECK(info->allocatable.memoryBytes == 64LL << 30);
  CHECK(info->allocatable.gpus == 2);
  CHECK(info->allocatable.pods == 110);
  REQUIRE(info->taints.size() == 1);
  CHECK(info->taints[0].effect == "NoSchedule");
  CHECK(info->labels.at("zone") == "a");
}

TEST_CASE("snapshot: a pod's effective requests, owner, volumes and scheduling rules", "[rebalance]") {
  json pod = json::parse(R"({
    "metadata": {"namespace": "apps", "name": "web-1", "labels": {"app": "web"},
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true}]},
    "spec": {"nodeName": "w1", "priorityClassName": "high",
             "containers": [{"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                            {"name": "b", "resources": {"requests": {"cpu": "250m"}}}],
             "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}],
             "overhead": {"cpu": "10m"},
             "nodeSelector": {"disk": "ssd"},
             "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}},
             "tolerations": [{"key": "k", "operator": "Exists"}],
             "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "data", "persistentVolumeClaim": {"claimName": "x"}}]},
    "status": {"phase": "Running"}})");
  auto info = podFromObject(pod);
  REQUIRE(info.isOk());
  CHECK(info->key() == "apps/web-1");
  CHECK(info->requests.cpuMillis == 2010);  // the init container's 2 cores win, plus overhead
  CHECK(info->requests.memoryBytes == 1LL << 30);
  CHECK(info->requests.pods == 1);
  REQUIRE(info->controller);
  CHECK(info->controller->kind == "ReplicaSet");
  CHECK(info->usesLocalStorage);
  CHECK(info->usesPersistentVolumeClaim);
  CHECK(info->occupiesNode());
  CHECK(info->nodeSelector.at("disk") == "ssd");
  REQUIRE(info->requiredNodeAffinity.size() == 1);
  CHECK(info->requiredNodeAffinity[0].matchExpressions[0].values == std::vector<std::string>{"a", "b"});
  REQUIRE(info->tolerations.size() == 1);
  CHECK(info->tolerations[0].op == "Exists");
}

TEST_CASE("snapshot: finished pods hold nothing; a bad quantity names the pod", "[rebalance]") {
  auto done = podFromObject(json::parse(R"({"metadata": {"namespace": "n", "name": "job-1"},
      "spec": {"nodeName": "w1", "containers": []}, "status": {"phase": "Succeeded"}})"));
  REQUIRE(done.isOk());
  CHECK_FALSE(done->occupiesNode());
  auto bad = podFromObject(json::parse(R"({"metadata": {"namespace": "n", "name": "broken"},
      "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "lots"}}}]}})"));
  REQUIRE_FALSE(bad.isOk());
  CHECK_THAT(bad.status().message(), Catch::Contains("pod n/broken") && Catch::Contains("container c"));
}

TEST_CASE("snapshot: a PodDisruptionBudget's selector and allowed disruptions", "[rebalance]") {
  auto pdb = pdbFromObject(json::parse(R"({"metadata": {"namespace": "apps", "name": "web"},
      "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"},
               "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}},
      "status": {"disruptionsAllowed": 1}})"));
  REQUIRE(pdb.isOk());
  CHECK(pdb->disruptionsAllowed == 1);
  CHECK(pdb->selector.matchLabels.at("app") == "web");
  CHECK(pdb->selector.matchExpressions[0].op == "NotIn");
}

}  // namespace
}  // namespace floe::appliance::rebalance
