#include "deploy/stack_values.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "deploy/spark_ceiling.h"
#include "deploy/stack_images.h"

#include "agent/cli/host_facts.h"

namespace floe::appliance {
namespace {

const std::filesystem::path kHosts = std::filesystem::path(FLOE_SOURCE_DIR) / "tests" / "fixtures" / "hosts";

// A node labelled from a captured host tree, as the node controller labels its Node.
StackNode fixtureNode(const std::string& fixture, bool head = false) {
  auto inventory = agent::hostInventoryJson(agent::collectHostInventory((kHosts / fixture).string()));
  return {fixture, head, cluster::labelsFromInventory(inventory, head ? cluster::NodeRole::kHead : cluster::NodeRole::kWorker)};
}

TEST_CASE("values follow the inventory of the captured fixture hosts", "[deploy][values]") {
  // The cluster tier's layout: this machine as the head, a storage server and a GPU server.
  std::vector<StackNode> nodes = {fixtureNode("this-machine", true), fixtureNode("two-socket-server"),
                                  fixtureNode("gpu-server")};
  REQUIRE(nodes[1].labelInt("floe.io/data-disks") == 2);
  REQUIRE(nodes[2].gpuTainted());
  auto values = computeStackValues(nodes, {}).value();
  CHECK(values["floe.seaweedfs.dataNodes"] == "2");     // two-socket-server and gpu-server have data disks
  CHECK(values["floe.seaweedfs.replication"] == "001");  // so every object gets a copy on another server
  CHECK(values["floe.polaris.replicas"] == "2");
  // Executors size to the only compute worker (the GPU server is tainted): 32 cores, 503 GiB.
  CHECK(values["floe.spark.executorCores"] == "4");
  CHECK(values["floe.spark.executorMemory"] == "32g");  // 4 cores x 8 GiB (capped per core)
  // The rebalancer's sparkMaxExecutors on the inventory: min(32 cores x 90% / 4, 503 GiB x 90% / 32 GiB).
  CHECK(values["floe.spark.maxExecutors"] == "7");
  CHECK(values["floe.spark.driverMemory"] == "4g");
}

TEST_CASE("a single machine sizes from the head and stores without replication", "[deploy][values]") {
  std::vector<StackNode> nodes = {fixtureNode("this-machine", true)};
  auto values = computeStackValues(nodes, {}).value();
  CHECK(values["floe.seaweedfs.dataNodes"] == std::to_string(nodes[0].labelInt("floe.io/data-disks") > 0 ? 1 : 0));
  CHECK(values["floe.seaweedfs.replication"] == "000");
  CHECK(values["floe.polaris.replicas"] == "1");
  CHECK(values["floe.spark.executorCores"] == "1");  // 2 cores / 2
  CHECK(values["floe.spark.maxExecutors"] == "1");
  CHECK(values["floe.spark.driverMemory"] == "2g");
}

TEST_CASE("more workers mean more executors", "[deploy][values]") {
  std::vector<StackNode> nodes = {fixtureNode("this-machine", true)};
  for (int i = 0; i < 3; ++i) nodes.push_back(fixtureNode("two-socket-server"));
  CHECK(sizeSpark(nodes).maxExecutors == 21);  // 3 x 7
  CHECK(dataDiskNodeCount(nodes) == 3);
}

TEST_CASE("the live cluster sizes the executors' ceiling, as the rebalancer counts it", "[deploy][values]") {
  std::vector<StackNode> nodes = {fixtureNode("this-machine", true), fixtureNode("two-socket-server")};
  SparkCapacitySource capacity;
  capacity.live = snapshotFromInventory(nodes);
  REQUIRE(sizeSpark(nodes, capacity).maxExecutors == 7);
  // Other pods' requests on the worker leave less room; Spark executors do not count (they are what is sized).
  rebalance::PodInfo busy;
  busy.ns = "apps";
  busy.name = "busy";
  busy.nodeName = "two-socket-server";
  busy.phase = "Running";
  busy.requests.cpuMillis = 8000;
  capacity.live->pods.push_back(busy);
  rebalance::PodInfo executor = busy;
  executor.name = "exec-1";
  executor.labels["spark-role"] = "executor";
  capacity.live->pods.push_back(executor);
  CHECK(sizeSpark(nodes, capacity).maxExecutors == 5);  // (28.8 - 8) / 4
  // A worker joins: the ceiling grows with it.
  auto joined = snapshotFromInventory({fixtureNode("two-socket-server")});
  joined.nodes[0].name = "worker-2";
  capacity.live->nodes.push_back(joined.nodes[0]);
  CHECK(sizeSpark(nodes, capacity).maxExecutors == 12);
  // The policy's headroom is the rebalancer's: 50% kept free.
  capacity.policy.spark.headroomPercent = 50;
  CHECK(sizeSpark(nodes, capacity).maxExecutors == 2 + 4);  // (16 - 8) / 4 + 16 / 4
  // Not-Ready or cordoned workers hold nothing; the head never runs executors.
  capacity.live->nodes[1].ready = false;
  capacity.live->nodes[2].unschedulable = true;
  CHECK(sizeSpark(nodes, capacity).maxExecutors == 1);  // none, but Spark needs at least 1
}

TEST_CASE("the inventory fallback leaves out GPU-tainted workers", "[deploy][values]") {
  auto snapshot = snapshotFromInventory({fixtureNode("gpu-server")});
  REQUIRE(snapshot.nodes.size() == 1);
  CHECK_FALSE(snapshot.nodes[0].taints.empty());
  CHECK(snapshot.nodes[0].allocatable.cpuMillis > 0);
  CHECK(sizeSpark({fixtureNode("this-machine", true), fixtureNode("gpu-server")}).maxExecutors == 1);
}

TEST_CASE("missing or malformed labels count as zero", "[deploy][values]") {
  StackNode odd{"odd", false, {{{"floe.io/cpu-cores", "many"}, {"floe.io/data-disks", ""}}, {}}};
  CHECK(odd.labelInt("floe.io/cpu-cores") == 0);
  CHECK(odd.labelInt("floe.io/data-disks") == 0);
  CHECK(odd.labelInt("floe.io/memory-gib") == 0);
  auto sizing = sizeSpark({odd});
  CHECK(sizing.maxExecutors == 1);
  CHECK(sizing.executorCores == 1);
}

TEST_CASE("service addresses are read from in-cluster URLs", "[deploy][values]") {
  auto polaris = serviceAddressOf("http://polaris.floe-lakehouse.svc:8181/api/catalog");
  REQUIRE(polaris.isOk());
  CHECK(polaris->service == "polaris");
  CHECK(polaris->ns == "floe-lakehouse");
  CHECK(polaris->port == 8181);
  CHECK(serviceAddressOf("http://seaweedfs-s3.floe-storage.svc.cluster.local:8333").isOk());
  CHECK_FALSE(serviceAddressOf("http://10.0.0.5:8333").isOk());
  CHECK_FALSE(serviceAddressOf("http://polaris.floe-lakehouse.svc/api").isOk());  // no port
  CHECK_FALSE(serviceAddressOf("polaris:8181").isOk());
}

TEST_CASE("endpoints outside the stack's namespaces are refused", "[deploy][values]") {
  StackEndpoints endpoints;
  endpoints.lakehouse.catalogUri = "http://polaris.elsewhere.svc:8181/api/catalog";
  auto values = computeStackValues({fixtureNode("this-machine", true)}, endpoints);
  REQUIRE_FALSE(values.isOk());
  CHECK_THAT(values.status().message(), Catch::Matchers::Contains("must name Services in"));
}

// KEY=VALUE lines of appliance/lakehouse/versions.env, the lakehouse's one version pin.
std::map<std::string, std::string> lakehouseVersions() {
  std::ifstream in(std::filesystem::path(FLOE_SOURCE_DIR) / "appliance" / "lakehouse" / "versions.env");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (!line.empty() && line[0] != '#' && eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

TEST_CASE("the images deployed are the versions the lakehouse pins", "[deploy][values]") {
  auto versions = lakehouseVersions();
  REQUIRE(versions.count("SPARK_VERSION"));
  CHECK(std::string(images::kSpark) ==
        "docker.io/floe/spark:" + versions["SPARK_VERSION"] + "-iceberg" + versions["ICEBERG_VERSION"]);
  CHECK(std::string(images::kSeaweedfs) == "docker.io/chrislusf/seaweedfs:" + versions["SEAWEEDFS_VERSION"]);
}

}  // namespace
}  // namespace floe::appliance
