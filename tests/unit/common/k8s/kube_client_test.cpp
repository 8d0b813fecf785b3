#include "floe/k8s/kube_client.h"

#include <catch2/catch.hpp>

#include <memory>

#include "scripted_transport.h"

namespace floe::k8s {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::FakeSleeper;
using testing::ScriptedTransport;
using testing::failure;
using testing::reply;
using testing::streamOf;

constexpr const char* kPdbRefusal =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget web needs 1 healthy pods and has 1 currently"}]},"code":429})";

struct ClientFixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>(clock);
  KubeClient client{transport, RetryPolicy{}, sleeper, clock};
};

TEST_CASE("resource paths: core and group, namespaced and cluster-scoped", "[k8s]") {
  CHECK(*collectionPath(resources::kPods, "default") == "/api/v1/namespaces/default/pods");
  CHECK(*collectionPath(resources::kPods, "") == "/api/v1/pods");
  CHECK(*collectionPath(resources::kNodes, "") == "/api/v1/nodes");
  CHECK(*objectPath(resources::kDeployments, "spark", "connect") == "/apis/apps/v1/namespaces/spark/deployments/connect");
  CHECK(*objectPath(resources::kPods, "default", "web-0", "eviction") == "/api/v1/namespaces/default/pods/web-0/eviction");
  CHECK(*objectPath(resources::kNodes, "", "worker 1", "status") == "/api/v1/nodes/worker%201/status");
  CHECK(*objectPath(ResourceType{"floe.io", "v1alpha1", "rebalances", false}, "", "r1") ==
        "/apis/floe.io/v1alpha1/rebalances/r1");
  CHECK(objectPath(resources::kNodes, "default", "x").status().code() == ErrorCode::kInvalidArgument);
  CHECK(objectPath(resources::kPods, "", "x").status().code() == ErrorCode::kInvalidArgument);
  CHECK(objectPath(resources::kPods, "default", "").status().code() == ErrorCode::kInvalidArgument);
  CHECK(percentEncode("app=web,tier!=db") == "app%3Dweb%2Ctier%21%3Ddb");
}

TEST_CASE("KubeClient: retries 429 and 503, honouring Retry-After", "[k8s][retry]") {
  ClientFixture f;
  f.transport->push(reply(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})",
                          {{"retry-after", "3"}}));
  f.transport->push(reply(503, "", {{"retry-after", "1"}}));
  f.transport->push(reply(200, R"({"kind":"Node","metadata":{"name":"n1"}})"));

  Result<json> node = f.client.get(resources::kNodes, "", "n1");
  INFO(node.status().toString());
  REQUIRE(node.isOk());
  CHECK((*node)["metadata"]["name"] == "n1");
  CHECK(f.transport->requests().size() == 3);
  CHECK(f.sleeper->delays() == std::vector<milliseconds>{milliseconds(3000), milliseconds(1000)});
}

TEST_CASE("KubeClient: exponential backoff with jitter on transport errors", "[k8s][retry]") {
  ClientFixture f;
  f.transport->push(failure(unavailable("GET https://h/api/v1/nodes: Connection refused")));
  f.transport->push(reply(502, "bad gateway"));
  f.transport->push(failure(deadlineExceeded("GET https://h/api/v1/nodes: timed out")));
  f.transport->push(reply(200, R"({"items":[]})"));
  REQUIRE(f.client.list(resources::kNodes, "").isOk());
  std::vector<milliseconds> delays = f.sleeper->delays();
  REQUIRE(delays.size() == 3);
  // 250 ms doubling, +/- 20 %.
  CHECK(delays[0] >= milliseconds(200));
  CHECK(delays[0] <= milliseconds(300));
  CHECK(delays[1] >= milliseconds(400));
  CHECK(delays[1] <= milliseconds(600));
  CHECK(delays[2] >= milliseconds(800));
  CHECK(delays[2] <= milliseconds(1200));
}

TEST_CASE("KubeClient: gives up after the attempts or the time budget", "[k8s][retry]") {
  ClientFixture f;
  for (int i = 0; i < 10; ++i) {
    f.transport->push(reply(503, R"({"kind":"Status","code":503,"reason":"ServiceUnavailable","message":"etcd is down"})"));
  }
  Result<json> node = f.client.get(resources::kNodes, "", "n1");
  REQUIRE_FALSE(node.isOk());
  CHECK(node.status().code() == ErrorCode::kUnavailable);
  CHECK(node.status().message() == "GET /api/v1/nodes/n1: 503 Service Unavailable (ServiceUnavailable): etcd is down");
  CHECK(f.transport->requests().size() == static_cast<size_t>(RetryPolicy{}.maxAttempts));

  // A Retry-After beyond the budget is not waited for.
  ClientFixture g;
  g.transport->push(reply(429, "", {{"retry-after", "600"}}));
  Result<json> limited = g.client.get(resources::kNodes, "", "n1");
  CHECK(limited.status().code() == ErrorCode::kResourceExhausted);
  CHECK(g.transport->requests().size() == 1);
  CHECK(g.sleeper->delays().empty());
}

TEST_CASE("KubeClient: client errors are not retried", "[k8s][retry]") {
  ClientFixture f;
  f.transport->push(reply(
      409, R"({"kind":"Status","code":409,"reason":"AlreadyExists","message":"configmaps \"a\" already exists"})"));
  Result<json> created = f.client.create(resources::kConfigMaps, "default", {{"metadata", {{"name", "a"}}}});
  CHECK(created.status().code() == ErrorCode::kAlreadyExists);
  CHECK(f.transport->requests().size() == 1);
  CHECK(f.sleeper->delays().empty());
}

TEST_CASE("KubeClient: an eviction refused by a PodDisruptionBudget is returned at once", "[k8s][eviction]") {
  ClientFixture f;
  f.transport->push(reply(429, kPdbRefusal, {{"retry-after", "10"}}));
  Status evicted = f.client.evict("default", "web-0");
  CHECK(evicted.code() == ErrorCode::kResourceExhausted);
  CHECK(evicted.message() ==
        "POST /api/v1/namespaces/default/pods/web-0/eviction: 429 Too Many Requests (TooManyRequests): "
        "Cannot evict pod as it would violate the pod's disruption budget.");
  REQUIRE(f.transport->requests().size() == 1);
  CHECK(f.sleeper->delays().empty());

  const TransportRequest request = f.transport->requests()[0];
  CHECK(request.method == "POST");
  json body = json::parse(request.body);
  CHECK(body["apiVersion"] == "policy/v1");
  CHECK(body["kind"] == "Eviction");
  CHECK(body["metadata"] == json({{"name", "web-0"}, {"namespace", "default"}}));
  CHECK_FALSE(body.contains("deleteOptions"));

  // Other failures of an eviction are retried like any request.
  ClientFixture g;
  g.transport->push(reply(503, ""));
  g.transport->push(reply(201, R"({"kind":"Status","status":"Success"})"));
  DeleteOptions options;
  options.gracePeriodSeconds = 5;
  CHECK(g.client.evict("default", "web-0", options).isOk());
  CHECK(g.transport->requests().size() == 2);
  CHECK(json::parse(g.transport->requests()[1].body)["deleteOptions"]["gracePeriodSeconds"] == 5);
}

TEST_CASE("KubeClient: list follows continue and keeps the first page's resourceVersion", "[k8s][list]") {
  ClientFixture f;
  f.transport->push(reply(200, R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"500","continue":"tok/1"},
    "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
  f.transport->push(reply(200, R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"500"},
    "items":[{"metadata":{"name":"c"}}]})"));
  ListOptions options;
  options.labelSelector = "app=web,tier!=db";
  options.pageSize = 2;
  Result<ObjectList> listed = f.client.list(resources::kConfigMaps, "default", options);
  INFO(listed.status().toString());
  REQUIRE(listed.isOk());
  REQUIRE(listed->items.size() == 3);
  CHECK(listed->resourceVersion == "500");
  CHECK(listed->items[2]["metadata"]["name"] == "c");
  CHECK(listed->items[0]["kind"] == "ConfigMap");
  CHECK(listed->items[0]["apiVersion"] == "v1");
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb%2Ctier%21%3Ddb&limit=2");
  CHECK(requests[1].target ==
        "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb%2Ctier%21%3Ddb&limit=2&continue=tok%2F1");
}

TEST_CASE("KubeClient: an expired continue token restarts the list once", "[k8s][list]") {
  ClientFixture f;
  f.transport->push(reply(200, R"({"metadata":{"resourceVersion":"10","continue":"old"},"items":[{"metadata":{"name":"a"}}]})"));
  f.transport->push(reply(410, R"({"kind":"Status","code":410,"reason":"Expired","message":"The provided continue parameter is too old"})"));
  f.transport->push(reply(200, R"({"metadata":{"resourceVersion":"90"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
  Result<ObjectList> listed = f.client.list(resources::kConfigMaps, "default");
  REQUIRE(listed.isOk());
  CHECK(listed->items.size() == 2);
  CHECK(listed->resourceVersion == "90");
}

TEST_CASE("KubeClient: server-side apply, patches, replace and create requests", "[k8s]") {
  ClientFixture f;
  for (int i = 0; i < 6; ++i) f.transport->push(reply(200, R"({"kind":"Node"})"));
  json intent = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}, {"labels", {{"a", "b"}}}}}};
  REQUIRE(f.client.apply(resources::kNodes, "", "n1", intent).isOk());
  ApplyOptions force;
  force.force = true;
  force.fieldManager = "floe-rebalancer";
  REQUIRE(f.client.apply(resources::kNodes, "", "n1", intent, force).isOk());
  REQUIRE(f.client.patch(resources::kNodes, "", "n1", PatchType::kStrategicMerge, {{"metadata", {{"labels", {{"a", "c"}}}}}}).isOk());
  REQUIRE(f.client.patch(resources::kNodes, "", "n1", PatchType::kMerge, {{"spec", {{"unschedulable", true}}}}).isOk());
  REQUIRE(f.client.patch(resources::kNodes, "", "n1", PatchType::kJson,
                         json::array({{{"op", "remove"}, {"path", "/metadata/labels/a"}}}), "status").isOk());
  REQUIRE(f.client.create(resources::kConfigMaps, "default", {{"metadata", {{"name", "x"}}}}).isOk());

  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 6);
  CHECK(requests[0].method == "PATCH");
  CHECK(requests[0].target == "/api/v1/nodes/n1?fieldManager=floe");
  CHECK(requests[0].contentType == "application/apply-patch+yaml");
  CHECK(json::parse(requests[0].body) == intent);
  CHECK(requests[1].target == "/api/v1/nodes/n1?fieldManager=floe-rebalancer&force=true");
  CHECK(requests[2].contentType == "application/strategic-merge-patch+json");
  CHECK(requests[3].contentType == "application/merge-patch+json");
  CHECK(requests[4].contentType == "application/json-patch+json");
  CHECK(requests[4].target == "/api/v1/nodes/n1/status");
  CHECK(requests[5].method == "POST");
  CHECK(requests[5].target == "/api/v1/namespaces/default/configmaps");
  CHECK(requests[5].contentType == "application/json");
}

TEST_CASE("KubeClient: delete reports a missing object as kNotFound", "[k8s]") {
  ClientFixture f;
  f.transport->push(reply(404, R"({"kind":"Status","code":404,"reason":"NotFound","message":"configmaps \"gone\" not found"})"));
  f.transport->push(reply(200, R"({"kind":"Status","status":"Success"})"));
  Status missing = f.client.remove(resources::kConfigMaps, "default", "gone");
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK(missing.message() ==
        "DELETE /api/v1/namespaces/default/configmaps/gone: 404 Not Found (NotFound): configmaps \"gone\" not found");

  DeleteOptions options;
  options.preconditionUid = "u-1";
  options.propagationPolicy = "Foreground";
  REQUIRE(f.client.remove(resources::kConfigMaps, "default", "x", options).isOk());
  auto requests = f.transport->requests();
  CHECK(requests[0].body.empty());
  CHECK(json::parse(requests[1].body) ==
        json({{"preconditions", {{"uid", "u-1"}}}, {"propagationPolicy", "Foreground"}}));
}

TEST_CASE("KubeClient: watch parses the event stream", "[k8s][watch]") {
  ClientFixture f;
  f.transport->push(streamOf({
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"11"}}})",
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"12"}}})",
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"15"}}})",
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"16"}}})",
  }));
  std::vector<std::string> seen;
  WatchOptions options;
  options.resourceVersion = "10";
  options.timeoutSeconds = 60;
  options.labelSelector = "app=x";
  Status watched = f.client.watch(resources::kConfigMaps, "default", options, [&](const WatchEvent& event) {
    seen.push_back(std::string(watchEventTypeName(event.type)) + ":" + event.resourceVersion());
    return true;
  });
  INFO(watched.toString());
  REQUIRE(watched.isOk());
  CHECK(seen == std::vector<std::string>{"ADDED:11", "MODIFIED:12", "BOOKMARK:15", "DELETED:16"});
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target ==
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=10&allowWatchBookmarks=true"
        "&timeoutSeconds=60&labelSelector=app%3Dx");
  CHECK(requests[0].idleTimeout == milliseconds(90000));
}

TEST_CASE("KubeClient: watch failures", "[k8s][watch]") {
  ClientFixture f;
  // An HTTP 410 arrives as the same ERROR event as a 410 inside the stream.
  f.transport->push(reply(410, R"J({"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (200)"})J"));
  // A line that is not an event ends the watch with an error.
  f.transport->push(streamOf({R"({"type":"ADDED","object":{}})", "garbage"}));
  f.transport->push(reply(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"nope"})"));

  std::vector<WatchEvent> events;
  auto collect = [&](const WatchEvent& event) {
    events.push_back(event);
    return true;
  };
  REQUIRE(f.client.watch(resources::kPods, "", {}, collect).isOk());
  REQUIRE(events.size() == 1);
  CHECK(events[0].isGone());
  CHECK(events[0].object["message"] == "too old resource version: 1 (200)");

  Status garbage = f.client.watch(resources::kPods, "", {}, collect);
  CHECK(garbage.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(garbage.message(), Catch::Contains("watching /api/v1/pods: watch event is not valid JSON"));

  Status forbidden = f.client.watch(resources::kPods, "", {}, collect);
  CHECK(forbidden.code() == ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace floe::k8s
