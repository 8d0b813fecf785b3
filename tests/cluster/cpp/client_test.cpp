// KubeClient against a real kube-apiserver: reads, paginated lists, server-side apply
// (with a real field-manager conflict), patches on a Node, delete.
#include <catch2/catch.hpp>

#include <set>

#include "cluster_support.h"

namespace floe::k8s::cluster {
namespace {

using nlohmann::json;

TEST_CASE("cluster: version and get", "[cluster][client]") {
  Result<json> version = testClient()->getPath("/version");
  INFO(version.status().toString());
  REQUIRE(version.isOk());
  CHECK_THAT((*version)["gitVersion"].get<std::string>(), Catch::StartsWith("v1."));

  Result<json> ns = testClient()->get(resources::kNamespaces, "", "default");
  INFO(ns.status().toString());
  REQUIRE(ns.isOk());
  CHECK((*ns)["kind"] == "Namespace");
  CHECK((*ns)["metadata"]["name"] == "default");

  Result<json> missing = testClient()->get(resources::kConfigMaps, "default", "floe-no-such-configmap");
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message() ==
        "GET /api/v1/namespaces/default/configmaps/floe-no-such-configmap: 404 Not Found (NotFound): "
        "configmaps \"floe-no-such-configmap\" not found");
}

TEST_CASE("cluster: credential and trust failures", "[cluster][client]") {
  RetryPolicy once;
  once.maxAttempts = 1;

  KubeConfig badToken = testKubeConfig();
  badToken.clientCertPem.clear();
  badToken.clientKeyPem.clear();
  badToken.token = "not-a-valid-token";
  Result<json> unauthenticated =
      KubeClient(makeCurlTransport(badToken), once).get(resources::kNamespaces, "", "default");
  INFO(unauthenticated.status().toString());
  CHECK(unauthenticated.status().code() == ErrorCode::kUnauthenticated);
  CHECK_THAT(unauthenticated.status().message(), Catch::StartsWith("GET /api/v1/namespaces/default: 401 Unauthorized"));
  CHECK_THAT(unauthenticated.status().message(), !Catch::Contains("not-a-valid-token"));

  KubeConfig anonymous = badToken;
  anonymous.token.clear();
  Result<json> forbidden = KubeClient(makeCurlTransport(anonymous), once).get(resources::kNamespaces, "", "default");
  INFO(forbidden.status().toString());
  CHECK(forbidden.status().code() == ErrorCode::kPermissionDenied);
  CHECK_THAT(forbidden.status().message(), Catch::Contains("system:anonymous"));

  // The test CA is not in the system store: without it the server is not trusted.
  KubeConfig untrusted = testKubeConfig();
  untrusted.caPem.clear();
  Result<json> refused = KubeClient(makeCurlTransport(untrusted), once).getPath("/version");
  INFO(refused.status().toString());
  CHECK(refused.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(refused.status().message(), Catch::Contains(testKubeConfig().server));

  untrusted.insecureSkipTlsVerify = true;
  CHECK(KubeClient(makeCurlTransport(untrusted), once).getPath("/version").isOk());
}

TEST_CASE("cluster: create, then list in pages of 2", "[cluster][client]") {
  TestNamespace ns("floe-list");
  for (int i = 0; i < 5; ++i) {
    Result<json> created = testClient()->create(
        resources::kConfigMaps, ns.name(),
        configMap(ns.name(), "page-" + std::to_string(i), {{"i", std::to_string(i)}}, {{"floe.io/test", "page"}}));
    INFO(created.status().toString());
    REQUIRE(created.isOk());
  }
  // One more that the selector must leave out.
  REQUIRE(testClient()->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "other", {})).isOk());
  Result<json> duplicate = testClient()->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "other", {}));
  CHECK(duplicate.status().code() == ErrorCode::kAlreadyExists);

  auto recording = std::make_shared<RecordingTransport>(realTransport());
  KubeClient client(recording);
  ListOptions options;
  options.labelSelector = "floe.io/test=page";
  options.pageSize = 2;
  Result<ObjectList> listed = client.list(resources::kConfigMaps, ns.name(), options);
  INFO(listed.status().toString());
  REQUIRE(listed.isOk());
  REQUIRE(listed->items.size() == 5);
  CHECK_FALSE(listed->resourceVersion.empty());
  std::set<std::string> names;
  for (const json& item : listed->items) {
    names.insert(item["metadata"]["name"].get<std::string>());
    CHECK(item["kind"] == "ConfigMap");
  }
  CHECK(names == std::set<std::string>{"page-0", "page-1", "page-2", "page-3", "page-4"});

  std::vector<std::string> targets = recording->targets();
  REQUIRE(targets.size() == 3);  // 2 + 2 + 1
  CHECK(targets[0].find("continue=") == std::string::npos);
  CHECK(targets[1].find("continue=") != std::string::npos);
  CHECK(targets[2].find("continue=") != std::string::npos);
  for (const auto& target : targets) CHECK(target.find("limit=2") != std::string::npos);
}

TEST_CASE("cluster: server-side apply creates, updates, conflicts, forces", "[cluster][client]") {
  TestNamespace ns("floe-apply");
  const std::string name = "applied";
  Result<json> created = testClient()->apply(resources::kConfigMaps, ns.name(), name,
                                             configMap(ns.name(), name, {{"owner", "floe"}}));
  INFO(created.status().toString());
  REQUIRE(created.isOk());
  CHECK((*created)["data"]["owner"] == "floe");

  Result<json> updated = testClient()->apply(resources::kConfigMaps, ns.name(), name,
                                             configMap(ns.name(), name, {{"owner", "floe"}, {"size", "3"}}));
  REQUIRE(updated.isOk());
  CHECK((*updated)["data"]["size"] == "3");
  bool managedByFloe = false;
  for (const json& entry : (*updated)["metadata"]["managedFields"]) {
    if (entry["manager"] == "floe" && entry["operation"] == "Apply") managedByFloe = true;
  }
  CHECK(managedByFloe);

  ApplyOptions other;
  other.fieldManager = "someone-else";
  Result<json> conflict = testClient()->apply(resources::kConfigMaps, ns.name(), name,
                                              configMap(ns.name(), name, {{"owner", "them"}}), other);
  REQUIRE_FALSE(conflict.isOk());
  INFO(conflict.status().message());
  CHECK(conflict.status().code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(conflict.status().message(),
             Catch::StartsWith("PATCH /api/v1/namespaces/" + ns.name() + "/configmaps/" + name +
                               ": 409 Conflict (Conflict): Apply failed with 1 conflict"));
  CHECK_THAT(conflict.status().message(), Catch::Contains("conflict with \"floe\""));
  CHECK_THAT(conflict.status().message(), Catch::Contains(".data.owner"));

  other.force = true;
  Result<json> forced = testClient()->apply(resources::kConfigMaps, ns.name(), name,
                                            configMap(ns.name(), name, {{"owner", "them"}}), other);
  INFO(forced.status().toString());
  REQUIRE(forced.isOk());
  CHECK((*forced)["data"]["owner"] == "them");
  CHECK((*forced)["data"]["size"] == "3");  // still floe's
}

TEST_CASE("cluster: strategic-merge, merge and JSON patches on a Node's labels", "[cluster][client]") {
  const std::string node = uniqueName("floe-patch-node");
  // Not a kwok node: nothing else touches it.
  json intent = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", node}, {"labels", {{"floe.io/test", "patch"}}}}}};
  REQUIRE(testClient()->create(resources::kNodes, "", intent).isOk());

  Result<json> strategic = testClient()->patch(resources::kNodes, "", node, PatchType::kStrategicMerge,
                                               {{"metadata", {{"labels", {{"floe.io/role", "worker"}}}}}});
  INFO(strategic.status().toString());
  REQUIRE(strategic.isOk());
  CHECK((*strategic)["metadata"]["labels"]["floe.io/role"] == "worker");
  CHECK((*strategic)["metadata"]["labels"]["floe.io/test"] == "patch");

  Result<json> merge = testClient()->patch(resources::kNodes, "", node, PatchType::kMerge,
                                           {{"metadata", {{"labels", {{"floe.io/role", nullptr}, {"floe.io/disk", "ssd"}}}}}});
  REQUIRE(merge.isOk());
  CHECK_FALSE((*merge)["metadata"]["labels"].contains("floe.io/role"));
  CHECK((*merge)["metadata"]["labels"]["floe.io/disk"] == "ssd");

  Result<json> jsonPatch = testClient()->patch(
      resources::kNodes, "", node, PatchType::kJson,
      json::array({{{"op", "replace"}, {"path", "/metadata/labels/floe.io~1disk"}, {"value", "nvme"}}}));
  REQUIRE(jsonPatch.isOk());
  CHECK((*jsonPatch)["metadata"]["labels"]["floe.io/disk"] == "nvme");

  Result<json> bad = testClient()->patch(resources::kNodes, "", node, PatchType::kJson,
                                         json::array({{{"op", "test"}, {"path", "/metadata/labels/absent"}, {"value", "x"}}}));
  CHECK_FALSE(bad.isOk());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);

  CHECK(testClient()->remove(resources::kNodes, "", node).isOk());
}

TEST_CASE("cluster: delete, then kNotFound", "[cluster][client]") {
  TestNamespace ns("floe-delete");
  Result<json> created = testClient()->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "doomed", {}));
  REQUIRE(created.isOk());

  DeleteOptions wrongUid;
  wrongUid.preconditionUid = "00000000-0000-0000-0000-000000000000";
  Status refused = testClient()->remove(resources::kConfigMaps, ns.name(), "doomed", wrongUid);
  CHECK(refused.code() == ErrorCode::kFailedPrecondition);  // 409: the precondition failed

  DeleteOptions rightUid;
  rightUid.preconditionUid = (*created)["metadata"]["uid"].get<std::string>();
  rightUid.propagationPolicy = "Background";
  Status deleted = testClient()->remove(resources::kConfigMaps, ns.name(), "doomed", rightUid);
  INFO(deleted.toString());
  CHECK(deleted.isOk());
  CHECK(testClient()->get(resources::kConfigMaps, ns.name(), "doomed").status().code() == ErrorCode::kNotFound);
  Status again = testClient()->remove(resources::kConfigMaps, ns.name(), "doomed");
  CHECK(again.code() == ErrorCode::kNotFound);
  CHECK_THAT(again.message(), Catch::Contains("configmaps \"doomed\" not found"));
}

}  // namespace
}  // namespace floe::k8s::cluster
