#include "agent/inventory/collect_inventory.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "agent/inventory/collectors.h"

namespace floe::agent {

void addWarning(Warnings& warnings, std::string message) {
  spdlog::debug("inventory: warning message=\"{}\"", message);
  warnings.push_back(std::move(message));
}

Inventory collectInventory(const Sysroot& sysroot, const FilesystemStats& filesystems) {
  const auto start = std::chrono::steady_clock::now();
  Inventory inventory;
  Warnings& warnings = inventory.warnings;
  inventory.cpu = collectCpuInfo(sysroot, warnings);
  inventory.host = collectHostInfo(sysroot, inventory.cpu, warnings);
  inventory.memory = collectMemoryInfo(sysroot, warnings);
  inventory.disks = collectBlockDevices(sysroot, filesystems, warnings);
  inventory.network = collectNetworkInterfaces(sysroot, warnings);
  DefaultRoute route = collectDefaultRoute(sysroot, warnings);
  inventory.defaultRouteInterface = std::move(route.interface);
  inventory.defaultGatewayIpv4 = std::move(route.gatewayIpv4);
  inventory.gpus = collectGpuDevices(sysroot, warnings);
  inventory.kernel = collectKernelFeatures(sysroot, warnings);
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  spdlog::debug("inventory: collected sysroot={} elapsed_us={} warnings={}", sysroot.root(), elapsed.count(),
                inventory.warnings.size());
  return inventory;
}

}  // namespace floe::agent
