// One place that turns the head's state into the objects to apply: the nodes (from the
// registry's inventories and the head's own), the values computed from them, the secrets,
// and the rendered manifests. The deployer applies its result; `floe render` prints it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/manifest_render.h"
#include "deploy/stack_values.h"
#include "floe/common/clock.h"
#include "state/store.h"

namespace floe::appliance {

struct StackPlanSource {
  std::string headNodeName;
  nlohmann::json headInventory;  // the head's hardware, read where `floe serve` reads it
  StackEndpoints endpoints;
  rebalance::RebalancePolicy rebalancePolicy;  // its Spark headroom sizes floe.spark.maxExecutors
};

// The head plus every approved (ready or lost) worker, labelled as the node controller labels
// their Kubernetes Nodes. Pending workers are not part of the cluster yet.
Result<std::vector<StackNode>> loadStackNodes(Store& store, const StackPlanSource& source);

// kValues generates missing secrets first (stored durably); kReference reads nothing secret.
// `live`: the cluster as the API server lists it now (floe.spark.maxExecutors follows it);
// without it the Spark capacity is computed from the inventory (deploy/spark_ceiling.h).
Result<std::vector<RenderedObject>> planStack(Store& store, const StackPlanSource& source, SecretMode mode,
                                              const Clock& clock,
                                              std::optional<rebalance::ClusterSnapshot> live = std::nullopt);


}  // namespace floe::appliance
