// The values the manifests' `${floe.NAME}` placeholders take, computed from the cluster's
// inventory: which nodes there are, their cores, memory, data disks and GPU taints. Each
// manifest's header documents the values it uses and how they are computed here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "floe/cluster/node_labels.h"

namespace floe::appliance {

// A node as the placement rules see it: the labels and taints floe gives its Kubernetes Node.
struct StackNode {
  std::string name;
  bool head = false;
  cluster::NodeLabelling labelling;

  int labelInt(const std::string& key) const;  // 0 when missing or not a number
  bool gpuTainted() const;
};

// In-cluster endpoints of the stack's services.
// TODO(lakehouse merge): take these from appliance/lakehouse/spark_defaults.h.
struct StackEndpoints {
  std::string s3Service = "seaweedfs-s3";
  int s3Port = 8333;
  std::string postgresService = "postgres";
  std::string polarisService = "polaris";
  int polarisPort = 8181;
  std::string sparkConnectService = "spark-connect";
  int sparkConnectPort = 15002;
  std::string historyServerService = "spark-history-server";
  int historyServerPort = 18080;
  std::string catalogName = "lakehouse";
  std::string bucket = "lakehouse";
};

using StackValues = std::map<std::string, std::string>;

// Every `floe.*` value the manifests use. `sparkDefaultsConf` is the spark-defaults.conf
// text for the cluster (rendered by the lakehouse module).
StackValues computeStackValues(const std::vector<StackNode>& nodes, const StackEndpoints& endpoints,
                               const std::string& sparkDefaultsConf);

// Pieces of computeStackValues, exposed for tests.
struct SparkSizing {
  int executorCores = 1;
  int executorMemoryGiB = 1;
  int maxExecutors = 1;
  std::string driverMemory = "2g";
};
SparkSizing sizeSpark(const std::vector<StackNode>& nodes);
int dataDiskNodeCount(const std::vector<StackNode>& nodes);

}  // namespace floe::appliance
