#include "deploy/stack_plan.h"

#include "deploy/embedded_manifests.h"
#include "deploy/stack_store.h"
#include "state/labels.h"

namespace floe::appliance {

Result<std::vector<StackNode>> loadStackNodes(Store& store, const StackPlanSource& source) {
  std::vector<StackNode> nodes;
  nodes.push_back({source.headNodeName, true,
                   cluster::labelsFromInventory(source.headInventory, cluster::NodeRole::kHead)});
  FLOE_RETURN_IF_ERROR(store.read([&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT name, labels, inventory FROM nodes "
                                                  "WHERE state != 'pending' ORDER BY name"));
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      auto inventory = nlohmann::json::parse(select.columnText(2), nullptr, false);
      StackNode node{select.columnText(0), false,
                     cluster::labelsFromInventory(inventory.is_discarded() ? nlohmann::json() : inventory,
                                                  cluster::NodeRole::kWorker)};
      auto labels = labelsFromJson(nlohmann::json::parse(select.columnText(1), nullptr, false));
      if (labels.isOk()) {
        for (const auto& [key, value] : *labels) node.labelling.labels[key] = value;
      }
      nodes.push_back(std::move(node));
    }
    return Status::ok();
  }));
  return nodes;
}

Result<std::vector<RenderedObject>> planStack(Store& store, const StackPlanSource& source, SecretMode mode,
                                              const Clock& clock, std::optional<rebalance::ClusterSnapshot> live) {
  FLOE_ASSIGN_OR_RETURN(auto nodes, loadStackNodes(store, source));
  SparkCapacitySource capacity{std::move(live), source.rebalancePolicy};
  FLOE_ASSIGN_OR_RETURN(StackValues values, computeStackValues(nodes, source.endpoints, capacity));
  std::map<std::string, std::string> secrets;
  if (mode == SecretMode::kValues) {
    FLOE_ASSIGN_OR_RETURN(secrets, ensureStackSecrets(store, secretNamesUsed(embeddedManifests()), clock));
  }
  return renderManifests(embeddedManifests(), values, secrets, mode);
}

}  // namespace floe::appliance
