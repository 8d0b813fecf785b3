// The inventory as the head receives it (JSON, documented field by field in
// agent/inventory/README.md) and as a person reads it (`floe-agent inventory`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/inventory/inventory.h"

namespace floe::agent {

struct InventoryJsonOptions {
  // Free memory and free disk space change from one collection to the next. Leave
  // them out when the JSON is hashed to notice hardware changes (heartbeats), or
  // every refresh looks like a change.
  bool includeVolatile = true;
};

// snake_case keys, "schema_version" first-class; the head reads host.hostname.
nlohmann::json inventoryToJson(const Inventory& inventory, const InventoryJsonOptions& options = {});

// A short summary: host, OS, CPU, memory, disks, NICs, GPUs, kernel features, warnings.
std::string inventoryToText(const Inventory& inventory);

// 1073741824 -> "1 GiB", 1610612736 -> "1.5 GiB", 512 -> "512 B".
std::string formatBytes(uint64_t bytes);

}  // namespace floe::agent
