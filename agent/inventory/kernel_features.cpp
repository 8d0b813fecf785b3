// Kernel features a k3s worker needs: cgroups, overlayfs, br_netfilter, ip_forward.
//
// A feature built as a module and not loaded yet reads as absent; k3s loads
// overlay and br_netfilter itself when it starts, so these are facts, not verdicts.
#include <string>
#include <string_view>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kCgroup2Controllers = "/sys/fs/cgroup/cgroup.controllers";
constexpr std::string_view kProcCgroups = "/proc/cgroups";
constexpr std::string_view kProcFilesystems = "/proc/filesystems";
constexpr std::string_view kOverlayModule = "/sys/module/overlay";
constexpr std::string_view kBrNetfilterModule = "/sys/module/br_netfilter";
constexpr std::string_view kBridgeNetfilterSysctls = "/proc/sys/net/bridge";
constexpr std::string_view kIpForward = "/proc/sys/net/ipv4/ip_forward";

}  // namespace

KernelFeatures collectKernelFeatures(const Sysroot& sysroot, Warnings& warnings) {
  KernelFeatures kernel;

  // cgroup v2 mounted at /sys/fs/cgroup (the unified hierarchy) has cgroup.controllers
  // at its root; a hybrid host keeps v1 there and v2 under /sys/fs/cgroup/unified,
  // which counts as v1 because that is where the controllers are.
  if (auto controllers = sysroot.readFile(kCgroup2Controllers)) {
    kernel.cgroupVersion = 2;
    for (std::string_view name : parsers::splitWhitespace(*controllers)) kernel.cgroupControllers.emplace_back(name);
  } else if (auto cgroups = sysroot.readFile(kProcCgroups)) {
    kernel.cgroupVersion = 1;
    kernel.cgroupControllers = parsers::parseProcCgroups(*cgroups);
  } else {
    addWarning(warnings, "cannot read /sys/fs/cgroup/cgroup.controllers or /proc/cgroups: cgroup version unknown");
  }

  if (auto filesystems = sysroot.readFile(kProcFilesystems)) {
    parsers::forEachLine(*filesystems, [&](std::string_view line) {
      auto fields = parsers::splitWhitespace(line);  // "nodev\toverlay" or "\text4"
      if (!fields.empty() && fields.back() == "overlay") kernel.overlay = true;
    });
  } else {
    addWarning(warnings, "cannot read /proc/filesystems: overlayfs support unknown");
  }
  kernel.overlay = kernel.overlay || sysroot.exists(kOverlayModule);

  kernel.brNetfilter = sysroot.exists(kBrNetfilterModule) || sysroot.exists(kBridgeNetfilterSysctls);

  if (auto forward = sysroot.readFile(kIpForward)) {
    kernel.ipForward = parsers::trim(*forward) == "1";
  } else {
    addWarning(warnings, "cannot read /proc/sys/net/ipv4/ip_forward: IP forwarding state unknown");
  }
  return kernel;
}

}  // namespace floe::agent
