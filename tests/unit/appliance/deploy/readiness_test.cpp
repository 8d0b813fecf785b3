#include "deploy/readiness.h"

#include <catch2/catch.hpp>

#include "deploy/stack_deployer.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

// Shapes as the API server returns them (status fields written by the controllers), trimmed
// to what readiness reads.
json deployment(int replicas, int available, bool availableCondition, int generation = 2, int observed = 2) {
  return json::parse(R"({"kind":"Deployment","metadata":{"name":"polaris","namespace":"floe-system","generation":)" +
                     std::to_string(generation) + R"(},"spec":{"replicas":)" + std::to_string(replicas) +
                     R"(},"status":{"observedGeneration":)" + std::to_string(observed) + R"(,"replicas":)" +
                     std::to_string(replicas) + R"(,"updatedReplicas":)" + std::to_string(replicas) +
                     R"(,"availableReplicas":)" + std::to_string(available) + R"(,"conditions":[{"type":"Available","status":")" +
                     (availableCondition ? "True" : "False") + R"("},{"type":"Progressing","status":"True"}]}})");
}

TEST_CASE("a Deployment is ready when the current generation is available", "[deploy][readiness]") {
  CHECK(evaluateReadiness(deployment(2, 2, true)).state == Readiness::kReady);
  auto partial = evaluateReadiness(deployment(2, 1, false));
  CHECK(partial.state == Readiness::kProgressing);
  CHECK(partial.message == "1/2 replicas available");
  // Status from before the last change does not count.
  CHECK(evaluateReadiness(deployment(2, 2, true, 3, 2)).state == Readiness::kProgressing);
  // Just created: no status at all yet.
  json fresh = json::parse(R"({"kind":"Deployment","metadata":{"name":"x","generation":1},"spec":{"replicas":1}})");
  CHECK(evaluateReadiness(fresh).state == Readiness::kProgressing);
}

TEST_CASE("a StatefulSet is ready when all replicas are ready and updated", "[deploy][readiness]") {
  json s = json::parse(R"({"kind":"StatefulSet","metadata":{"name":"postgres","generation":1},"spec":{"replicas":1},
    "status":{"observedGeneration":1,"replicas":1,"readyReplicas":1,"updatedReplicas":1,"currentReplicas":1}})");
  CHECK(evaluateReadiness(s).state == Readiness::kReady);
  s["status"]["readyReplicas"] = 0;
  CHECK(evaluateReadiness(s).state == Readiness::kProgressing);
  CHECK(evaluateReadiness(s).message == "0/1 replicas ready");
}

TEST_CASE("a DaemonSet is ready when every scheduled pod is; none scheduled is not ready", "[deploy][readiness]") {
  json d = json::parse(R"({"kind":"DaemonSet","metadata":{"name":"seaweedfs-volume","generation":1},
    "status":{"observedGeneration":1,"desiredNumberScheduled":2,"numberReady":2,"updatedNumberScheduled":2,"currentNumberScheduled":2}})");
  CHECK(evaluateReadiness(d).state == Readiness::kReady);
  CHECK(evaluateReadiness(d).message == "2/2 nodes ready");
  d["status"]["numberReady"] = 1;
  CHECK(evaluateReadiness(d).state == Readiness::kProgressing);
  d["status"] = {{"observedGeneration", 1}, {"desiredNumberScheduled", 0}, {"numberReady", 0}};
  CHECK(evaluateReadiness(d).state == Readiness::kProgressing);
  CHECK(evaluateReadiness(d).message == "no node matches its placement yet");
}

TEST_CASE("a Job is ready when complete and failed when failed", "[deploy][readiness]") {
  json j = json::parse(R"({"kind":"Job","metadata":{"name":"polaris-bootstrap"},"status":{"active":1}})");
  CHECK(evaluateReadiness(j).state == Readiness::kProgressing);
  j["status"] = json::parse(R"({"succeeded":1,"conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]})");
  CHECK(evaluateReadiness(j).state == Readiness::kReady);
  j["status"] = json::parse(R"({"failed":21,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]})");
  CHECK(evaluateReadiness(j).state == Readiness::kFailed);
}

TEST_CASE("a HelmChart is submitted until the helm controller names its job", "[deploy][readiness]") {
  json h = json::parse(R"({"apiVersion":"helm.cattle.io/v1","kind":"HelmChart","metadata":{"name":"spark-operator"},"spec":{}})");
  CHECK(evaluateReadiness(h).state == Readiness::kSubmitted);
  h["status"] = {{"jobName", "helm-install-spark-operator"}};
  CHECK(evaluateReadiness(h).state == Readiness::kProgressing);
}

TEST_CASE("plain objects are ready once applied", "[deploy][readiness]") {
  CHECK(evaluateReadiness(json::parse(R"({"kind":"ConfigMap","metadata":{"name":"x"}})")).state == Readiness::kReady);
}

TEST_CASE("a component is as ready as its least ready object", "[deploy][readiness]") {
  auto combined = combineReadiness({{"Service a", {Readiness::kReady, "applied"}},
                                    {"Deployment b", {Readiness::kProgressing, "0/1 replicas available"}},
                                    {"HelmChart c", {Readiness::kSubmitted, "submitted"}}});
  CHECK(combined.state == Readiness::kProgressing);
  CHECK(combined.message == "Deployment b: 0/1 replicas available");
  CHECK(combineReadiness({}).state == Readiness::kReady);
  CHECK(combineReadiness({{"Job j", {Readiness::kFailed, "failed"}}, {"X", {Readiness::kProgressing, ""}}}).state ==
        Readiness::kFailed);
}

TEST_CASE("a component's version and endpoint come from its objects", "[deploy][readiness]") {
  std::vector<json> objects = {
      json::parse(R"({"kind":"Service","metadata":{"name":"spark-connect","namespace":"floe-spark","annotations":{"floe.io/endpoint":"sc"}},
        "spec":{"ports":[{"name":"grpc","port":15002}]}})"),
      json::parse(R"({"kind":"Deployment","metadata":{"name":"spark-connect"},"spec":{"template":{"spec":{"containers":[{"image":"floe/spark:4.1.0-iceberg"}]}}}})")};
  CHECK(componentVersion(objects) == "4.1.0-iceberg");
  CHECK(componentEndpoint(objects) == "sc://spark-connect.floe-spark.svc:15002");
  CHECK(componentVersion({json::parse(R"({"kind":"HelmChart","spec":{"version":"2.3.0"}})")}) == "2.3.0");
  CHECK(componentVersion({json::parse(R"({"kind":"Job","spec":{"template":{"spec":{"initContainers":[{"image":"apache/polaris-admin-tool:1.3.0-incubating"}],
    "containers":[{"image":"curlimages/curl:8.16.0"}]}}}})")}) == "1.3.0-incubating");
  CHECK(componentVersion({json::parse(R"({"kind":"Namespace","metadata":{"name":"x"}})")}) == FLOE_VERSION);
  CHECK(componentEndpoint({json::parse(R"({"kind":"Namespace","metadata":{"name":"x"}})")}).empty());
}

}  // namespace
}  // namespace floe::appliance
