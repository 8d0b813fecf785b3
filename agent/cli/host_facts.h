// This machine's inventory and preflight results, as the agent commands need them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/inventory/inventory.h"
#include "agent/preflight/preflight.h"

namespace floe::agent {

// Collects from `sysroot` ("/" on a real machine; a captured tree in tests).
Inventory collectHostInventory(const std::string& sysroot);
nlohmann::json hostInventoryJson(const Inventory& inventory);

// Runs every preflight check for joining this machine.
std::vector<CheckResult> runHostChecks(const Inventory& inventory, bool k3sRunning);

}  // namespace floe::agent
