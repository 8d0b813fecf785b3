// A node's hardware in a few numbers, for tables and capacity totals (the console's
// nodes and overview pages), derived from the inventory's wire JSON. The counts that
// Kubernetes labels also carry (cores, GPUs, data disks) come from the same function
// as the labels, so the console and `kubectl get nodes -L` never disagree.
#pragma once

#include <nlohmann/json.hpp>

namespace floe::appliance {

// null when the node never sent an inventory.
nlohmann::json hardwareSummary(const nlohmann::json& inventory);

}  // namespace floe::appliance
