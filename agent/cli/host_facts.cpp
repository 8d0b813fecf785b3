#include "agent/cli/host_facts.h"

#include "agent/inventory/collect_inventory.h"
#include "agent/inventory/filesystem_stats.h"
#include "agent/inventory/inventory_json.h"
#include "agent/inventory/sysroot.h"
#include "agent/preflight/system_probe.h"

namespace floe::agent {

Inventory collectHostInventory(const std::string& sysroot) {
  const Sysroot root(sysroot);
  const FilesystemStatsImpl filesystems(root);
  return collectInventory(root, filesystems);
}

nlohmann::json hostInventoryJson(const Inventory& inventory) {
  // Without free memory and free space: the head hashes what it receives to notice
  // hardware changes, and those figures change on every collection.
  InventoryJsonOptions options;
  options.includeVolatile = false;
  return inventoryToJson(inventory, options);
}

std::vector<CheckResult> runHostChecks(const Inventory& inventory, bool k3sRunning) {
  const SystemProbeImpl probe;
  PreflightContext ctx{inventory, probe};
  ctx.k3sRunning = k3sRunning;
  return runPreflightChecks(ctx);
}

}  // namespace floe::agent
