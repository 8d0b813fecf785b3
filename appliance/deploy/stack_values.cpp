#include "deploy/stack_values.h"

#include <algorithm>
#include <charconv>

#include "deploy/spark_ceiling.h"
#include "deploy/stack_images.h"

namespace floe::appliance {
namespace {

constexpr int kMaxExecutorCores = 4;
constexpr int kMaxMemoryPerCoreGiB = 8;
// Executors may use three quarters of a worker: the rest is for the OS, k3s and daemons
// (SeaweedFS volume servers) on the same machine.
constexpr int kUsableNumerator = 3, kUsableDenominator = 4;
constexpr int kBigClusterMemoryGiB = 64;

// Approved workers without the GPU taint; the head when there is none (a one-machine cluster).
std::vector<const StackNode*> computeNodes(const std::vector<StackNode>& nodes) {
  std::vector<const StackNode*> out;
  for (const auto& node : nodes) {
    if (!node.head && !node.gpuTainted() && node.labelInt("floe.io/cpu-cores") > 0) out.push_back(&node);
  }
  if (out.empty()) {
    for (const auto& node : nodes) {
      if (node.head && node.labelInt("floe.io/cpu-cores") > 0) out.push_back(&node);
    }
  }
  return out;
}

}  // namespace

int StackNode::labelInt(const std::string& key) const {
  auto it = labelling.labels.find(key);
  if (it == labelling.labels.end()) return 0;
  int value = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() && end == it->second.data() + it->second.size() ? value : 0;
}

bool StackNode::gpuTainted() const {
  return std::any_of(labelling.taints.begin(), labelling.taints.end(),
                     [](const cluster::Taint& taint) { return taint.key == cluster::kGpuTaintKey; });
}

int dataDiskNodeCount(const std::vector<StackNode>& nodes) {
  return static_cast<int>(
      std::count_if(nodes.begin(), nodes.end(), [](const StackNode& n) { return n.labelInt("floe.io/data-disks") > 0; }));
}

SparkSizing sizeSpark(const std::vector<StackNode>& nodes, const SparkCapacitySource& capacity) {
  SparkSizing sizing;
  auto compute = computeNodes(nodes);
  if (compute.empty()) return sizing;
  const StackNode* smallest = *std::min_element(compute.begin(), compute.end(), [](auto* a, auto* b) {
    return a->labelInt("floe.io/cpu-cores") < b->labelInt("floe.io/cpu-cores");
  });
  int cores = smallest->labelInt("floe.io/cpu-cores");
  sizing.executorCores = std::clamp(cores / 2, 1, kMaxExecutorCores);
  int memoryPerCore = smallest->labelInt("floe.io/memory-gib") * kUsableNumerator / kUsableDenominator / cores;
  sizing.executorMemoryGiB = sizing.executorCores * std::clamp(memoryPerCore, 1, kMaxMemoryPerCoreGiB);
  int totalMemory = 0;
  for (const auto& node : nodes) totalMemory += node.labelInt("floe.io/memory-gib");
  sizing.maxExecutors = sparkExecutorCeiling(nodes, sizing, capacity);
  sizing.driverMemory = totalMemory >= kBigClusterMemoryGiB ? "4g" : "2g";
  return sizing;
}

Result<ServiceAddress> serviceAddressOf(std::string_view url) {
  // scheme://NAME.NAMESPACE.svc[.cluster.local]:PORT[/path]
  size_t hostStart = url.find("://");
  if (hostStart == std::string_view::npos) return invalidArgument(std::string(url) + " is not a URL");
  std::string_view rest = url.substr(hostStart + 3);
  std::string_view hostPort = rest.substr(0, rest.find('/'));
  size_t colon = hostPort.rfind(':');
  std::string_view host = hostPort.substr(0, colon);
  int port = 0;
  if (colon != std::string_view::npos) {
    std::string_view portText = hostPort.substr(colon + 1);
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || end != portText.data() + portText.size()) port = 0;
  }
  size_t firstDot = host.find('.');
  size_t secondDot = firstDot == std::string_view::npos ? firstDot : host.find('.', firstDot + 1);
  if (port <= 0 || secondDot == std::string_view::npos || host.substr(secondDot + 1).rfind("svc", 0) != 0) {
    return invalidArgument(std::string(url) + " does not name an in-cluster Service as NAME.NAMESPACE.svc:PORT");
  }
  return ServiceAddress{std::string(host.substr(0, firstDot)),
                        std::string(host.substr(firstDot + 1, secondDot - firstDot - 1)), port};
}

Result<StackValues> computeStackValues(const std::vector<StackNode>& nodes, const StackEndpoints& endpoints,
                                       const SparkCapacitySource& capacity) {
  const auto& lake = endpoints.lakehouse;
  FLOE_RETURN_IF_ERROR(lakehouse::validateEndpoints(lake).withContext("the stack's Spark settings"));
  FLOE_ASSIGN_OR_RETURN(auto polaris, serviceAddressOf(lake.catalogUri));
  FLOE_ASSIGN_OR_RETURN(auto s3, serviceAddressOf(lake.s3Endpoint));
  // The manifests place Polaris and SeaweedFS in these namespaces (00-namespaces.yaml).
  if (polaris.ns != lakehouse::kLakehouseNamespace || s3.ns != lakehouse::kStorageNamespace) {
    return invalidArgument("the catalog URI " + lake.catalogUri + " and S3 endpoint " + lake.s3Endpoint +
                           " must name Services in " + std::string(lakehouse::kLakehouseNamespace) + " and " +
                           std::string(lakehouse::kStorageNamespace));
  }
  std::string sparkDefaultsConf = lakehouse::renderSparkDefaultsConf(lakehouse::sparkProperties(lake));
  int dataNodes = dataDiskNodeCount(nodes);
  SparkSizing spark = sizeSpark(nodes, capacity);
  constexpr int kNodesForTwoCatalogReplicas = 3;
  return StackValues{
      {"floe.image.seaweedfs", images::kSeaweedfs},
      {"floe.image.postgres", images::kPostgres},
      {"floe.image.polaris", images::kPolaris},
      {"floe.image.polarisAdmin", images::kPolarisAdmin},
      {"floe.image.curl", images::kCurl},
      {"floe.image.spark", images::kSpark},
      {"floe.image.sparkOperator.registry", images::kSparkOperatorRegistry},
      {"floe.image.sparkOperator.repository", images::kSparkOperatorRepository},
      {"floe.image.sparkOperator.tag", images::kSparkOperatorTag},
      {"floe.chart.sparkOperator.file", images::kSparkOperatorChartFile},
      {"floe.chart.sparkOperator.version", images::kSparkOperatorChartVersion},
      {"floe.seaweedfs.dataNodes", std::to_string(dataNodes)},
      {"floe.seaweedfs.replication", dataNodes >= 2 ? "001" : "000"},
      {"floe.polaris.replicas", nodes.size() >= kNodesForTwoCatalogReplicas ? "2" : "1"},
      {"floe.spark.executorCores", std::to_string(spark.executorCores)},
      {"floe.spark.executorMemory", std::to_string(spark.executorMemoryGiB) + "g"},
      {"floe.spark.maxExecutors", std::to_string(spark.maxExecutors)},
      {"floe.spark.driverMemory", spark.driverMemory},
      {"floe.spark.defaultsConf", sparkDefaultsConf},
      {"floe.s3.service", s3.service},
      {"floe.s3.port", std::to_string(s3.port)},
      {"floe.s3.endpoint", lake.s3Endpoint},
      {"floe.s3.bucket", endpoints.bucket},
      {"floe.s3.region", lake.region},
      {"floe.catalog.name", lake.warehouse},  // Polaris picks the catalog by the client's warehouse
      {"floe.postgres.service", endpoints.postgresService},
      {"floe.polaris.service", polaris.service},
      {"floe.polaris.port", std::to_string(polaris.port)},
      {"floe.sparkConnect.service", endpoints.sparkConnectService},
      {"floe.sparkConnect.port", std::to_string(endpoints.sparkConnectPort)},
      {"floe.historyServer.service", endpoints.historyServerService},
      {"floe.historyServer.port", std::to_string(endpoints.historyServerPort)},
  };
}

}  // namespace floe::appliance
