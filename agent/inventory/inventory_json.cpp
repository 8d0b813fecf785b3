#include "agent/inventory/inventory_json.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "agent/inventory/parsers.h"
#include "floe/common/time_format.h"

namespace floe::agent {
namespace {

using nlohmann::json;

template <typename T>
json optionalToJson(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json mountToJson(const Mount& mount, const InventoryJsonOptions& options) {
  json out = {{"mount_point", mount.mountPoint},
              {"filesystem", mount.filesystem},
              {"size_bytes", optionalToJson(mount.sizeBytes)}};
  if (options.includeVolatile) out["free_bytes"] = optionalToJson(mount.freeBytes);
  return out;
}

json mountsToJson(const std::vector<Mount>& mounts, const InventoryJsonOptions& options) {
  json out = json::array();
  for (const auto& mount : mounts) out.push_back(mountToJson(mount, options));
  return out;
}

json hostToJson(const HostInfo& host) {
  return {{"hostname", host.hostname},
          {"machine_id", host.machineId},
          {"os_id", host.osId},
          {"os_version_id", host.osVersionId},
          {"os_pretty_name", host.osPrettyName},
          {"kernel_release", host.kernelRelease},
          {"architecture", host.architecture},
          {"boot_time_unix", optionalToJson(host.bootTimeUnix)},
          {"dmi_vendor", host.dmiVendor},
          {"dmi_product", host.dmiProduct},
          {"dmi_serial", host.dmiSerial},
          {"virtualization", host.virtualization},
          {"hypervisor", host.hypervisor},
          {"container_runtime", host.containerRuntime}};
}

json cpuToJson(const CpuInfo& cpu) {
  json nodes = json::array();
  for (const auto& node : cpu.numaNodes) {
    nodes.push_back({{"id", node.id}, {"cpus", node.cpus}, {"memory_bytes", node.memoryBytes}});
  }
  return {{"vendor", cpu.vendor}, {"model", cpu.model},     {"sockets", cpu.sockets},
          {"cores", cpu.cores},   {"threads", cpu.threads}, {"mhz", cpu.mhz},
          {"flags", cpu.flags},   {"numa_nodes", nodes}};
}

json memoryToJson(const MemoryInfo& memory, const InventoryJsonOptions& options) {
  json out = {{"total_bytes", memory.totalBytes},
              {"swap_total_bytes", memory.swapTotalBytes},
              {"huge_pages_total", memory.hugePagesTotal},
              {"huge_page_size_bytes", memory.hugePageSizeBytes}};
  if (options.includeVolatile) {
    out["available_bytes"] = memory.availableBytes;
    out["swap_free_bytes"] = memory.swapFreeBytes;
    out["huge_pages_free"] = memory.hugePagesFree;
  }
  return out;
}

json diskToJson(const BlockDevice& disk, const InventoryJsonOptions& options) {
  json partitions = json::array();
  for (const auto& partition : disk.partitions) {
    partitions.push_back({{"name", partition.name},
                          {"size_bytes", partition.sizeBytes},
                          {"holders", partition.holders},
                          {"mounts", mountsToJson(partition.mounts, options)}});
  }
  return {{"name", disk.name},
          {"size_bytes", disk.sizeBytes},
          {"rotational", disk.rotational},
          {"removable", disk.removable},
          {"read_only", disk.readOnly},
          {"model", disk.model},
          {"serial", disk.serial},
          {"transport", disk.transport},
          {"holders", disk.holders},
          {"partitions", partitions},
          {"mounts", mountsToJson(disk.mounts, options)},
          {"looks_like_free_data_disk", disk.looksLikeFreeDataDisk}};
}

json interfaceToJson(const NetworkInterface& nic) {
  return {{"name", nic.name},
          {"mac", nic.mac},
          {"mtu", nic.mtu},
          {"speed_mbps", optionalToJson(nic.speedMbps)},
          {"oper_state", nic.operState},
          {"driver", nic.driver},
          {"kind", nic.kind},
          {"ipv4", nic.ipv4},
          {"ipv6", nic.ipv6},
          {"bond_master", nic.bondMaster},
          {"bond_members", nic.bondMembers}};
}

json gpuToJson(const GpuDevice& gpu) {
  return {{"pci_address", gpu.pciAddress},
          {"class_code", gpu.classCode},
          {"vendor_id", gpu.vendorId},
          {"device_id", gpu.deviceId},
          {"vendor_name", gpu.vendorName},
          {"device_name", gpu.deviceName},
          {"driver", gpu.driver},
          {"memory_bytes", optionalToJson(gpu.memoryBytes)},
          {"nvidia_driver_version", gpu.nvidiaDriverVersion},
          {"numa_node", optionalToJson(gpu.numaNode)}};
}

json kernelToJson(const KernelFeatures& kernel) {
  return {{"cgroup_version", kernel.cgroupVersion},
          {"cgroup_controllers", kernel.cgroupControllers},
          {"overlay", kernel.overlay},
          {"br_netfilter", kernel.brNetfilter},
          {"ip_forward", kernel.ipForward}};
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string orUnknown(const std::string& value) { return value.empty() ? "unknown" : value; }

std::string plural(int64_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string describeMounts(const std::vector<Mount>& mounts) {
  std::string out;
  for (const auto& mount : mounts) {
    out += out.empty() ? "" : ", ";
    out += mount.mountPoint;
    if (mount.filesystem != "swap") {
      out += " (" + mount.filesystem;
      if (mount.freeBytes) out += ", " + formatBytes(*mount.freeBytes) + " free";
      out += ")";
    }
  }
  return out;
}

}  // namespace

std::string formatBytes(uint64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  if (unit == 0 || std::fabs(value - std::round(value)) < 0.05) {
    std::snprintf(buffer, sizeof(buffer), "%.0f %s", value, kUnits[unit]);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.1f %s", value, kUnits[unit]);
  }
  return buffer;
}

nlohmann::json inventoryToJson(const Inventory& inventory, const InventoryJsonOptions& options) {
  json disks = json::array();
  for (const auto& disk : inventory.disks) disks.push_back(diskToJson(disk, options));
  json interfaces = json::array();
  for (const auto& nic : inventory.network) interfaces.push_back(interfaceToJson(nic));
  json gpus = json::array();
  for (const auto& gpu : inventory.gpus) gpus.push_back(gpuToJson(gpu));
  return {{"schema_version", inventory.schemaVersion},
          {"host", hostToJson(inventory.host)},
          {"cpu", cpuToJson(inventory.cpu)},
          {"memory", memoryToJson(inventory.memory, options)},
          {"disks", disks},
          {"network",
           {{"default_route_interface", inventory.defaultRouteInterface},
            {"default_gateway_ipv4", inventory.defaultGatewayIpv4},
            {"interfaces", interfaces}}},
          {"gpus", gpus},
          {"kernel", kernelToJson(inventory.kernel)},
          {"warnings", inventory.warnings}};
}

std::string inventoryToText(const Inventory& inventory) {
  std::ostringstream out;
  const HostInfo& host = inventory.host;
  out << "Host      " << orUnknown(host.hostname) << "  (machine-id " << orUnknown(host.machineId) << ")\n";
  out << "OS        " << orUnknown(host.osPrettyName) << ", kernel " << orUnknown(host.kernelRelease) << ", "
      << orUnknown(host.architecture) << "\n";
  out << "Platform  ";
  if (!host.dmiVendor.empty() || !host.dmiProduct.empty()) {
    out << host.dmiVendor << " " << host.dmiProduct;
    if (!host.dmiSerial.empty()) out << " (serial " << host.dmiSerial << ")";
  } else {
    out << "no DMI data";
  }
  out << "; virtualization " << orUnknown(host.virtualization);
  if (!host.containerRuntime.empty()) out << " (" << host.containerRuntime << ")";
  if (!host.hypervisor.empty() && host.virtualization != host.hypervisor) out << " on " << host.hypervisor;
  out << "\n";
  if (host.bootTimeUnix) out << "Booted    " << formatRfc3339(*host.bootTimeUnix) << "\n";

  const CpuInfo& cpu = inventory.cpu;
  out << "CPU       " << orUnknown(cpu.model) << " (" << orUnknown(cpu.vendor) << "): " << plural(cpu.sockets, "socket")
      << ", " << plural(cpu.cores, "core") << ", " << plural(cpu.threads, "thread");
  if (cpu.mhz > 0) out << ", " << static_cast<int64_t>(std::lround(cpu.mhz)) << " MHz";
  out << "\n";
  if (!cpu.flags.empty()) {
    out << "          flags:";
    for (const auto& flag : cpu.flags) out << " " << flag;
    out << "\n";
  }
  for (const auto& node : cpu.numaNodes) {
    out << "NUMA      node" << node.id << ": CPUs " << parsers::formatCpuList(node.cpus) << ", "
        << formatBytes(node.memoryBytes) << "\n";
  }

  const MemoryInfo& memory = inventory.memory;
  out << "Memory    " << formatBytes(memory.totalBytes) << " total, " << formatBytes(memory.availableBytes)
      << " available; swap " << formatBytes(memory.swapTotalBytes);
  if (memory.hugePagesTotal > 0) {
    out << "; huge pages " << memory.hugePagesTotal << " x " << formatBytes(memory.hugePageSizeBytes);
  }
  out << "\n";

  size_t diskWidth = 0;
  for (const auto& disk : inventory.disks) {
    diskWidth = std::max(diskWidth, disk.name.size());
    for (const auto& partition : disk.partitions) diskWidth = std::max(diskWidth, partition.name.size() + 2);
  }
  out << "Disks     " << (inventory.disks.empty() ? "none" : std::to_string(inventory.disks.size())) << "\n";
  for (const auto& disk : inventory.disks) {
    out << "  " << padded(disk.name, diskWidth) << "  " << formatBytes(disk.sizeBytes) << " " << orUnknown(disk.transport) << " "
        << (disk.rotational ? "HDD" : "SSD");
    if (!disk.model.empty()) out << " \"" << disk.model << "\"";
    if (disk.removable) out << " removable";
    if (disk.readOnly) out << " read-only";
    if (!disk.mounts.empty()) out << "; mounted " << describeMounts(disk.mounts);
    if (!disk.holders.empty()) out << "; used by " << disk.holders.front() << (disk.holders.size() > 1 ? ", ..." : "");
    if (disk.looksLikeFreeDataDisk) out << "; looks like a free data disk";
    out << "\n";
    for (const auto& partition : disk.partitions) {
      out << "    " << padded(partition.name, diskWidth - 2) << "  " << formatBytes(partition.sizeBytes);
      if (!partition.mounts.empty()) out << "; mounted " << describeMounts(partition.mounts);
      if (!partition.holders.empty()) out << "; used by " << partition.holders.front();
      out << "\n";
    }
  }

  out << "Network   ";
  if (inventory.defaultRouteInterface.empty()) {
    out << "no IPv4 default route";
  } else {
    out << "default route via " << inventory.defaultRouteInterface;
    if (!inventory.defaultGatewayIpv4.empty()) out << " (gateway " << inventory.defaultGatewayIpv4 << ")";
  }
  out << "\n";
  size_t nicWidth = 0;
  for (const auto& nic : inventory.network) nicWidth = std::max(nicWidth, nic.name.size());
  for (const auto& nic : inventory.network) {
    out << "  " << padded(nic.name, nicWidth) << "  " << nic.kind << " " << orUnknown(nic.operState);
    if (!nic.driver.empty()) out << " " << nic.driver;
    if (nic.speedMbps) out << " " << *nic.speedMbps << " Mbps";
    out << " mtu " << nic.mtu;
    if (!nic.mac.empty() && nic.kind != "loopback") out << " " << nic.mac;
    for (const auto& address : nic.ipv4) out << " " << address;
    for (const auto& address : nic.ipv6) out << " " << address;
    if (!nic.bondMaster.empty()) out << "; member of " << nic.bondMaster;
    if (!nic.bondMembers.empty()) {
      out << "; members";
      for (const auto& member : nic.bondMembers) out << " " << member;
    }
    out << "\n";
  }

  out << "GPUs      " << (inventory.gpus.empty() ? "none" : std::to_string(inventory.gpus.size())) << "\n";
  for (const auto& gpu : inventory.gpus) {
    out << "  " << gpu.pciAddress << "  " << (gpu.vendorName.empty() ? gpu.vendorId : gpu.vendorName) << " "
        << (gpu.deviceName.empty() ? gpu.deviceId : gpu.deviceName) << " [" << gpu.classCode << "]";
    if (!gpu.driver.empty()) out << " driver " << gpu.driver;
    if (!gpu.nvidiaDriverVersion.empty()) out << " " << gpu.nvidiaDriverVersion;
    out << "\n";
  }

  const KernelFeatures& kernel = inventory.kernel;
  out << "Kernel    cgroup " << (kernel.cgroupVersion == 0 ? std::string("unknown") : "v" + std::to_string(kernel.cgroupVersion));
  if (!kernel.cgroupControllers.empty()) {
    out << " (";
    for (size_t i = 0; i < kernel.cgroupControllers.size(); ++i) out << (i ? " " : "") << kernel.cgroupControllers[i];
    out << ")";
  }
  out << ", overlay " << (kernel.overlay ? "yes" : "no") << ", br_netfilter " << (kernel.brNetfilter ? "yes" : "no")
      << ", ip_forward " << (kernel.ipForward ? "yes" : "no") << "\n";

  if (!inventory.warnings.empty()) {
    out << "Warnings  " << inventory.warnings.size() << "\n";
    for (const auto& warning : inventory.warnings) out << "  - " << warning << "\n";
  }
  return out.str();
}

}  // namespace floe::agent
