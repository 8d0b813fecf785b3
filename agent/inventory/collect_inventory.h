// The whole hardware inventory of a machine, from its sysroot.
#pragma once

#include "agent/inventory/filesystem_stats.h"
#include "agent/inventory/inventory.h"
#include "agent/inventory/sysroot.h"

namespace floe::agent {

// Runs every collector. Never fails: what could not be read is in `warnings`.
Inventory collectInventory(const Sysroot& sysroot, const FilesystemStats& filesystems);

}  // namespace floe::agent
