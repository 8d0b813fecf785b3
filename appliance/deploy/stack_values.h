// The values the manifests' `${floe.NAME}` placeholders take, computed from the cluster's
// inventory: which nodes there are, their cores, memory, data disks and GPU taints. Each
// manifest's header documents the values it uses and how they are computed here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "floe/cluster/node_labels.h"
#include "floe/common/status.h"
#include "lakehouse/spark_defaults.h"
#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_policy.h"

namespace floe::appliance {

// A node as the placement rules see it: the labels and taints floe gives its Kubernetes Node.
struct StackNode {
  std::string name;
  bool head = false;
  cluster::NodeLabelling labelling;

  int labelInt(const std::string& key) const;  // 0 when missing or not a number
  bool gpuTainted() const;
};

// In-cluster endpoints of the stack's services. The catalog and S3 store are where the
// Spark settings point (appliance/lakehouse/spark_defaults.h, the one place they are
// written down): their Services' names and ports are read from those URLs.
struct StackEndpoints {
  lakehouse::LakehouseEndpoints lakehouse;
  std::string bucket{lakehouse::kDefaultWarehouseBucket};
  std::string postgresService = "postgres";
  std::string sparkConnectService = "spark-connect";
  int sparkConnectPort = 15002;
  std::string historyServerService = "spark-history-server";
  int historyServerPort = 18080;
};

// "http://polaris.floe-lakehouse.svc:8181/api/catalog" -> {polaris, floe-lakehouse, 8181}.
struct ServiceAddress {
  std::string service;
  std::string ns;
  int port = 0;
};
Result<ServiceAddress> serviceAddressOf(std::string_view url);

using StackValues = std::map<std::string, std::string>;

// What floe.spark.maxExecutors is computed from (deploy/spark_ceiling.h): the live cluster when
// the API server answered, else the nodes' inventory; the rebalance policy's Spark headroom and
// node selector, so the deployer and the rebalance reports count capacity the same way.
struct SparkCapacitySource {
  std::optional<rebalance::ClusterSnapshot> live;
  rebalance::RebalancePolicy policy;
};

// Every `floe.*` value the manifests use; the spark-defaults.conf comes from the lakehouse
// module. Fails when the endpoints do not name in-cluster Services in the stack's namespaces.
Result<StackValues> computeStackValues(const std::vector<StackNode>& nodes, const StackEndpoints& endpoints,
                                       const SparkCapacitySource& capacity = {});

// Pieces of computeStackValues, exposed for tests.
struct SparkSizing {
  int executorCores = 1;
  int executorMemoryGiB = 1;
  int maxExecutors = 1;
  std::string driverMemory = "2g";
};
SparkSizing sizeSpark(const std::vector<StackNode>& nodes, const SparkCapacitySource& capacity = {});
int dataDiskNodeCount(const std::vector<StackNode>& nodes);

}  // namespace floe::appliance
