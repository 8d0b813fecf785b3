// The inventory collectors, one per file (host_info.cpp, cpu_info.cpp, ...). Each reads
// what it needs under the sysroot, fills its part of the inventory, and appends to
// `warnings` what it could not read. None throws; none fails the whole inventory.
#pragma once

#include <string>
#include <vector>

#include "agent/inventory/filesystem_stats.h"
#include "agent/inventory/inventory.h"
#include "agent/inventory/sysroot.h"

namespace floe::agent {

using Warnings = std::vector<std::string>;

// /proc/cpuinfo, /sys/devices/system/cpu and /sys/devices/system/node.
CpuInfo collectCpuInfo(const Sysroot& sysroot, Warnings& warnings);

// Identity, OS, kernel, DMI and virtualization. Takes the CPU info already collected
// for its "hypervisor" flag, so /proc/cpuinfo is read once per inventory.
HostInfo collectHostInfo(const Sysroot& sysroot, const CpuInfo& cpu, Warnings& warnings);

// /proc/meminfo.
MemoryInfo collectMemoryInfo(const Sysroot& sysroot, Warnings& warnings);

// /sys/block, its partitions and holders, with mounts from /proc/self/mountinfo.
std::vector<BlockDevice> collectBlockDevices(const Sysroot& sysroot, const FilesystemStats& filesystems,
                                             Warnings& warnings);

// /sys/class/net, /proc/net/if_inet6 and the IPv4 addresses (see network_interfaces.cpp).
std::vector<NetworkInterface> collectNetworkInterfaces(const Sysroot& sysroot, Warnings& warnings);

struct DefaultRoute {
  std::string interface;    // "" when there is no IPv4 default route
  std::string gatewayIpv4;  // "" when the route has no gateway (point-to-point)
};
// /proc/net/route: the IPv4 default route with the lowest metric.
DefaultRoute collectDefaultRoute(const Sysroot& sysroot, Warnings& warnings);

// Display and processing-accelerator PCI functions, named from pci.ids.
std::vector<GpuDevice> collectGpuDevices(const Sysroot& sysroot, Warnings& warnings);

// cgroup version, overlayfs, br_netfilter, ip_forward.
KernelFeatures collectKernelFeatures(const Sysroot& sysroot, Warnings& warnings);

// Records a warning for the operator; also logged at debug with the collector's name.
void addWarning(Warnings& warnings, std::string message);

}  // namespace floe::agent
