// The Eviction API against a real kube-apiserver: a PodDisruptionBudget refusal comes
// back at once as kResourceExhausted with the server's words. The pod runs on a kwok
// node (kwok plays its kubelet), so the disruption controller counts it healthy.
#include <catch2/catch.hpp>

#include "cluster_support.h"

namespace floe::k8s::cluster {
namespace {

using nlohmann::json;
using std::chrono::seconds;

json kwokNode(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"annotations", {{"kwok.x-k8s.io/node", "fake"}, {"node.alpha.kubernetes.io/ttl", "0"}}},
            {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}, {"type", "kwok"}}}}},
          {"status",
           {{"capacity", {{"cpu", "16"}, {"memory", "64Gi"}, {"pods", "110"}}},
            {"allocatable", {{"cpu", "16"}, {"memory", "64Gi"}, {"pods", "110"}}}}}};
}

bool conditionTrue(const json& object, const std::string& type) {
  const json status = object.value("status", json::object());
  for (const json& condition : status.value("conditions", json::array())) {
    if (condition.value("type", "") == type) return condition.value("status", "") == "True";
  }
  return false;
}

TEST_CASE("cluster: eviction refused by a PodDisruptionBudget, then allowed", "[cluster][eviction]") {
  auto client = testClient();
  TestNamespace ns("floe-evict");
  const std::string node = uniqueName("floe-kwok");
  Result<json> nodeCreated = client->create(resources::kNodes, "", kwokNode(node));
  INFO(nodeCreated.status().toString());
  REQUIRE(nodeCreated.isOk());
  struct NodeCleanup {
    std::string name;
    ~NodeCleanup() { (void)testClient()->remove(resources::kNodes, "", name); }
  } cleanup{node};
  REQUIRE(eventually(seconds(60), [&] {
    Result<json> got = client->get(resources::kNodes, "", node);
    return got.isOk() && conditionTrue(*got, "Ready");
  }));

  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web-0"}, {"namespace", ns.name()}, {"labels", {{"app", "web"}}}}},
              {"spec",
               {{"nodeName", node},
                {"automountServiceAccountToken", false},
                {"containers", json::array({{{"name", "app"}, {"image", "registry.invalid/fake:1"}}})}}}};
  // Pods are admitted only once the namespace's default ServiceAccount exists, which the
  // controller-manager creates shortly after the namespace.
  const ResourceType serviceAccounts{"", "v1", "serviceaccounts", true};
  REQUIRE(eventually(seconds(30), [&] { return client->get(serviceAccounts, ns.name(), "default").isOk(); }));
  Result<json> podCreated = client->create(resources::kPods, ns.name(), pod);
  INFO(podCreated.status().toString());
  REQUIRE(podCreated.isOk());
  json pdb = {{"apiVersion", "policy/v1"},
              {"kind", "PodDisruptionBudget"},
              {"metadata", {{"name", "web"}, {"namespace", ns.name()}}},
              {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
  Result<json> pdbApplied = client->apply(resources::kPodDisruptionBudgets, ns.name(), "web", pdb);
  INFO(pdbApplied.status().toString());
  REQUIRE(pdbApplied.isOk());

  json lastPod;
  bool running = eventually(seconds(60), [&] {
    Result<json> got = client->get(resources::kPods, ns.name(), "web-0");
    if (got.isOk()) lastPod = *got;
    return got.isOk() && (*got)["status"].value("phase", "") == "Running" && conditionTrue(*got, "Ready");
  });
  INFO("pod: " << lastPod.dump());
  REQUIRE(running);
  // Wait for the disruption controller to count the pod, so the refusal below is the
  // budget's and not "the PDB status is stale".
  json lastPdb;
  bool counted = eventually(seconds(60), [&] {
    Result<json> got = client->get(resources::kPodDisruptionBudgets, ns.name(), "web");
    if (!got.isOk()) return false;
    lastPdb = *got;
    const json status = got->value("status", json::object());
    return status.value("observedGeneration", 0) == (*got)["metadata"].value("generation", -1) &&
           status.value("currentHealthy", 0) == 1 && status.value("disruptionsAllowed", -1) == 0;
  });
  INFO("pdb: " << lastPdb.dump());
  REQUIRE(counted);

  auto started = std::chrono::steady_clock::now();
  Status refused = client->evict(ns.name(), "web-0");
  INFO(refused.toString());
  CHECK(refused.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(refused.message(),
             Catch::StartsWith("POST /api/v1/namespaces/" + ns.name() + "/pods/web-0/eviction: 429 Too Many Requests"));
  CHECK_THAT(refused.message(), Catch::Contains("Cannot evict pod as it would violate the pod's disruption budget"));
  // Not retried: no backoff was waited out.
  CHECK(std::chrono::steady_clock::now() - started < seconds(2));
  CHECK(client->get(resources::kPods, ns.name(), "web-0").isOk());

  // Without the budget the same eviction goes through.
  REQUIRE(client->remove(resources::kPodDisruptionBudgets, ns.name(), "web").isOk());
  Status evicted = client->evict(ns.name(), "web-0");
  INFO(evicted.toString());
  CHECK(evicted.isOk());
  CHECK(client->evict(ns.name(), "no-such-pod").code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace floe::k8s::cluster
