#include "deploy/manifest_render.h"

#include <catch2/catch.hpp>

#include <set>

#include "deploy/embedded_manifests.h"
#include "deploy/stack_values.h"
#include "lakehouse/spark_defaults.h"

namespace floe::appliance {
namespace {

using Catch::Matchers::Contains;
using nlohmann::json;

std::vector<StackNode> threeNodes() {
  StackNode head{"head", true, {{{"floe.io/role", "head"}, {"floe.io/cpu-cores", "2"}, {"floe.io/memory-gib", "23"}, {"floe.io/data-disks", "0"}}, {}}};
  StackNode storage{"w1", false, {{{"floe.io/role", "worker"}, {"floe.io/cpu-cores", "32"}, {"floe.io/memory-gib", "503"}, {"floe.io/data-disks", "2"}}, {}}};
  StackNode gpu{"w2", false, {{{"floe.io/role", "worker"}, {"floe.io/cpu-cores", "32"}, {"floe.io/memory-gib", "1007"}, {"floe.io/data-disks", "1"}},
                              {{"nvidia.com/gpu", "present", "NoSchedule"}}}};
  return {head, storage, gpu};
}

std::map<std::string, std::string> fakeSecrets() {
  std::map<std::string, std::string> secrets;
  for (const auto& name : secretNamesUsed(embeddedManifests())) secrets[name] = "SECRET-VALUE-" + name;
  return secrets;
}

StackValues valuesFor(const std::vector<StackNode>& nodes) {
  auto values = computeStackValues(nodes, StackEndpoints{});
  REQUIRE(values.isOk());
  return *values;
}

const json* find(const std::vector<RenderedObject>& objects, const std::string& kind, std::string_view name,
                 std::string_view ns = "") {
  for (const auto& o : objects) {
    if (o.object["kind"] == kind && o.object["metadata"]["name"] == name &&
        (ns.empty() || o.object["metadata"].value("namespace", "") == ns)) {
      return &o.object;
    }
  }
  return nullptr;
}

TEST_CASE("every embedded manifest renders, with every placeholder filled", "[deploy][render]") {
  auto rendered = renderManifests(embeddedManifests(), valuesFor(threeNodes()), fakeSecrets(), SecretMode::kValues);
  REQUIRE(rendered.isOk());
  std::set<std::string> components;
  for (const auto& object : *rendered) {
    components.insert(object.component);
    std::string text = object.object.dump();
    CHECK_FALSE(Contains("${floe.").match(text));
    CHECK_FALSE(Contains("${secret.").match(text));
  }
  CHECK(components == std::set<std::string>{"namespaces", "rbac", "secrets", "seaweedfs", "postgres", "polaris",
                                            "polaris-bootstrap", "spark-defaults", "spark-connect", "history-server",
                                            "spark-operator"});
  for (const auto& object : *rendered) CHECK(object.object["metadata"]["labels"][std::string(kManagedByLabel)] == "floe");
  // Files apply in name order, and the objects keep it.
  CHECK(rendered->front().object["kind"] == "Namespace");
  CHECK(rendered->back().object["kind"] == "HelmChart");
}

TEST_CASE("placeholders take the type of a plain scalar and stay strings when quoted", "[deploy][render]") {
  auto rendered = renderManifests(embeddedManifests(), valuesFor(threeNodes()), fakeSecrets(), SecretMode::kValues);
  REQUIRE(rendered.isOk());
  const json* polaris = find(*rendered, "Deployment", "polaris");
  REQUIRE(polaris);
  CHECK((*polaris)["spec"]["replicas"] == 2);  // three nodes: two catalog replicas
  const json* s3 = find(*rendered, "Service", "seaweedfs-s3", lakehouse::kStorageNamespace);
  REQUIRE(s3);
  CHECK((*s3)["spec"]["ports"][0]["port"] == 8333);
  const json* master = find(*rendered, "StatefulSet", "seaweedfs-master");
  REQUIRE(master);
  CHECK((*master)["spec"]["template"]["metadata"]["annotations"]["floe.io/data-nodes"] == "2");
}

TEST_CASE("the stack deploys what the Spark settings point at", "[deploy][render]") {
  namespace lh = lakehouse;
  auto rendered = renderManifests(embeddedManifests(), valuesFor(threeNodes()), fakeSecrets(), SecretMode::kValues);
  REQUIRE(rendered.isOk());
  lh::LakehouseEndpoints defaults;
  const json* conf = find(*rendered, "ConfigMap", lh::kSparkDefaultsConfigMap, lh::kLakehouseNamespace);
  REQUIRE(conf);
  CHECK((*conf)["data"][std::string(lh::kSparkDefaultsConfigMapKey)] ==
        lh::renderSparkDefaultsConf(lh::sparkProperties(defaults)));
  const json* s3 = find(*rendered, "Secret", lh::kS3CredentialsSecret, lh::kLakehouseNamespace);
  REQUIRE(s3);
  CHECK((*s3)["stringData"][std::string(lh::kS3AccessKeyIdVariable)] == "SECRET-VALUE-s3.accessKey");
  CHECK((*s3)["stringData"][std::string(lh::kS3SecretAccessKeyVariable)] == "SECRET-VALUE-s3.secretKey");
  const json* catalog = find(*rendered, "Secret", lh::kCatalogCredentialsSecret, lh::kLakehouseNamespace);
  REQUIRE(catalog);
  CHECK((*catalog)["stringData"][std::string(lh::kCatalogCredentialVariable)] ==
        "SECRET-VALUE-polaris.sparkClientId:SECRET-VALUE-polaris.sparkClientSecret");
  // The Services behind the URLs the settings carry.
  auto polaris = serviceAddressOf(defaults.catalogUri);
  auto store = serviceAddressOf(defaults.s3Endpoint);
  REQUIRE(polaris.isOk());
  REQUIRE(store.isOk());
  const json* polarisService = find(*rendered, "Service", polaris->service, polaris->ns);
  const json* storeService = find(*rendered, "Service", store->service, store->ns);
  REQUIRE(polarisService);
  REQUIRE(storeService);
  CHECK((*polarisService)["spec"]["ports"][0]["port"] == polaris->port);
  CHECK((*storeService)["spec"]["ports"][0]["port"] == store->port);
  // Every namespaced object lives in a namespace the stack creates (or k3s's kube-system).
  std::set<std::string> namespaces = {"kube-system"};
  for (const auto& o : *rendered) {
    if (o.object["kind"] == "Namespace") namespaces.insert(o.object["metadata"]["name"].get<std::string>());
  }
  CHECK(namespaces == std::set<std::string>{"kube-system", std::string(lh::kLakehouseNamespace),
                                            std::string(lh::kStorageNamespace), "spark-operator"});
  for (const auto& o : *rendered) {
    if (o.object["metadata"].contains("namespace")) CHECK(namespaces.count(o.object["metadata"]["namespace"]));
  }
}

TEST_CASE("reference mode never carries a secret value, values mode does", "[deploy][render]") {
  auto secrets = fakeSecrets();
  REQUIRE(secrets.count("postgres.password"));
  auto shown = renderManifests(embeddedManifests(), valuesFor(threeNodes()), secrets, SecretMode::kReference);
  REQUIRE(shown.isOk());
  std::string all;
  for (const auto& o : *shown) all += toYaml(o.object);
  CHECK_FALSE(Contains("SECRET-VALUE").match(all));
  CHECK_THAT(all, Contains("<secret postgres.password: generated by the head, kept in floe.db>"));

  auto applied = renderManifests(embeddedManifests(), valuesFor(threeNodes()), secrets, SecretMode::kValues);
  REQUIRE(applied.isOk());
  const json* postgres = find(*applied, "Secret", "postgres-credentials");
  REQUIRE(postgres);
  CHECK((*postgres)["stringData"]["password"] == "SECRET-VALUE-postgres.password");
}

TEST_CASE("a missing value or secret fails naming the file and placeholder", "[deploy][render]") {
  std::vector<ManifestFile> files = {{"90-extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: ${floe.nope}\n"}};
  auto missingValue = renderManifests(files, {}, {}, SecretMode::kValues);
  REQUIRE_FALSE(missingValue.isOk());
  CHECK_THAT(missingValue.status().message(), Contains("k8s-manifests/90-extra.yaml") && Contains("${floe.nope}"));

  files = {{"91-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: \"${secret.gone}\"}\n"}};
  auto missingSecret = renderManifests(files, {}, {}, SecretMode::kValues);
  REQUIRE_FALSE(missingSecret.isOk());
  CHECK_THAT(missingSecret.status().message(), Contains("secret gone"));
  CHECK(renderManifests(files, {}, {}, SecretMode::kReference).isOk());  // display needs no secret

  files = {{"92-broken.yaml", "apiVersion: v1\nkind: [unclosed\n"}};
  auto broken = renderManifests(files, {}, {}, SecretMode::kValues);
  REQUIRE_FALSE(broken.isOk());
  CHECK_THAT(broken.status().message(), Contains("92-broken.yaml is not valid YAML"));

  files = {{"93-nameless.yaml", "apiVersion: v1\nkind: ConfigMap\n"}};
  CHECK_THAT(renderManifests(files, {}, {}, SecretMode::kValues).status().message(), Contains("metadata.name"));
}

TEST_CASE("shell variables in scripts are left alone", "[deploy][render]") {
  std::vector<ManifestFile> files = {
      {"94-script.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  run: |\n    echo ${HOME} ${3:+-d} ${floe.s3.bucket}\n"}};
  auto rendered = renderManifests(files, {{"floe.s3.bucket", "lake"}}, {}, SecretMode::kValues);
  REQUIRE(rendered.isOk());
  CHECK((*rendered)[0].object["data"]["run"] == "echo ${HOME} ${3:+-d} lake\n");
}

TEST_CASE("toYaml output parses back to the same object", "[deploy][render]") {
  auto rendered = renderManifests(embeddedManifests(), valuesFor(threeNodes()), fakeSecrets(), SecretMode::kValues);
  REQUIRE(rendered.isOk());
  for (const auto& object : *rendered) {
    std::vector<ManifestFile> again = {{"again.yaml", ""}};
    std::string text = toYaml(object.object);
    again[0].text = text;
    auto parsed = renderManifests(again, {}, {}, SecretMode::kReference);
    REQUIRE(parsed.isOk());
    REQUIRE(parsed->size() == 1);
    CHECK((*parsed)[0].object == object.object);
  }
  json tricky = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                 {"metadata", {{"name", "t"}, {"labels", {{std::string(kManagedByLabel), "floe"}}}}},
                 {"data", {{"a", "true"}, {"b", "007"}, {"c", "x: y"}, {"d", " lead"}, {"e", "-flag"}, {"f", ""},
                           {"g", "two\nlines"}, {"h", "#not a comment"}, {"i", "1.5"}, {"j", "null"}}}};
  std::string text = toYaml(tricky);
  auto parsed = renderManifests({{"t.yaml", text}}, {}, {}, SecretMode::kReference);
  REQUIRE(parsed.isOk());
  CHECK((*parsed)[0].object == tricky);
}

TEST_CASE("component names come from the file names", "[deploy][render]") {
  CHECK(componentOfFile("20-seaweedfs.yaml") == "seaweedfs");
  CHECK(componentOfFile("70-spark-operator.yaml") == "spark-operator");
  CHECK(componentOfFile("plain.yaml") == "plain");
}

}  // namespace
}  // namespace floe::appliance
