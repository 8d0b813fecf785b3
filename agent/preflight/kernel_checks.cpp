// Kernel features k3s needs: cgroup controllers, the overlay and br_netfilter modules,
// IPv4 forwarding. All from the inventory's KernelFeatures.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "agent/preflight/checks.h"

namespace floe::agent {
namespace {

// The kubelet sets CPU and memory limits and caps process counts per pod.
constexpr std::array<std::string_view, 3> kRequiredControllers = {"cpu", "memory", "pids"};

std::string joinNames(const std::vector<std::string>& names, std::string_view separator) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += separator;
    joined += name;
  }
  return joined;
}

}  // namespace

CheckResult checkCgroups(const PreflightContext& ctx) {
  const KernelFeatures& kernel = ctx.inventory.kernel;
  if (kernel.cgroupVersion != 1 && kernel.cgroupVersion != 2) {
    return kCgroupsCheck.warn("the cgroup version could not be determined, so the controllers were not checked",
                              "check that /sys/fs/cgroup is mounted: `stat -fc %T /sys/fs/cgroup` prints "
                              "cgroup2fs for cgroup v2, tmpfs for v1");
  }
  const std::string version = "cgroup v" + std::to_string(kernel.cgroupVersion);
  std::vector<std::string> missing;
  for (std::string_view controller : kRequiredControllers) {
    const auto& have = kernel.cgroupControllers;
    if (std::find(have.begin(), have.end(), controller) == have.end()) missing.emplace_back(controller);
  }
  if (missing.empty()) return kCgroupsCheck.pass(version + " with the cpu, memory and pids controllers");

  const std::string available =
      kernel.cgroupControllers.empty() ? "none" : joinNames(kernel.cgroupControllers, ", ");
  const std::string observed = version + " lacks the " + joinNames(missing, ", ") +
                               " controller" + (missing.size() > 1 ? "s" : "") + " (available: " + available +
                               "); the kubelet needs cpu, memory and pids";
  std::string hint;
  if (std::find(missing.begin(), missing.end(), "memory") != missing.end()) {
    // Raspberry Pi OS and some ARM kernels ship with the memory controller disabled.
    hint = "enable the memory controller: add `cgroup_memory=1 cgroup_enable=memory` to the kernel command "
           "line (GRUB_CMDLINE_LINUX in /etc/default/grub, then `update-grub`; /boot/firmware/cmdline.txt on a "
           "Raspberry Pi) and reboot";
  }
  if (missing.size() > 1 || missing.front() != "memory") {
    if (!hint.empty()) hint += "; ";
    hint += "use a kernel built with CONFIG_CGROUP_SCHED and CONFIG_CGROUP_PIDS; inside a container, run it "
            "with the cgroup controllers delegated to it";
  }
  return kCgroupsCheck.failed(observed, hint);
}

CheckResult checkKernelModules(const PreflightContext& ctx) {
  const KernelFeatures& kernel = ctx.inventory.kernel;
  struct Module {
    std::string_view name;
    bool present;  // loaded or built in, as the inventory saw it
  };
  const std::array<Module, 2> modules = {{{"overlay", kernel.overlay}, {"br_netfilter", kernel.brNetfilter}}};
  std::vector<std::string> loadable;
  std::vector<std::string> missing;
  for (const Module& module : modules) {
    if (module.present) continue;
    // A fresh machine rarely has br_netfilter loaded: k3s loads both modules when it
    // starts, so one the kernel can load is as good as one loaded.
    (ctx.probe.kernelModuleAvailable(module.name) ? loadable : missing).emplace_back(module.name);
  }
  if (missing.empty()) {
    if (loadable.empty()) return kKernelModulesCheck.pass("the overlay and br_netfilter kernel modules are loaded");
    return kKernelModulesCheck.pass(
        "the overlay and br_netfilter kernel modules are available; " + joinNames(loadable, " and ") +
        (loadable.size() > 1 ? " are" : " is") + " not loaded yet, and k3s loads " +
        (loadable.size() > 1 ? "them" : "it") + " when it starts");
  }
  const std::string names = joinNames(missing, " and ");
  return kKernelModulesCheck.failed(
      names + (missing.size() > 1 ? " are" : " is") +
          " neither loaded nor among the running kernel's modules: containerd needs overlay for container "
          "filesystems and the pod network needs br_netfilter",
      "`modprobe " + joinNames(missing, " ") + "`, and list " + (missing.size() > 1 ? "them" : "it") +
          " in /etc/modules-load.d/k3s.conf to load at every boot; if modprobe cannot find " +
          (missing.size() > 1 ? "them" : "it") +
          ", reboot into the installed kernel (an upgrade may have removed the running one's modules) or "
          "install the kernel's extra modules (linux-modules-extra-$(uname -r) on Ubuntu)");
}

CheckResult checkIpForward(const PreflightContext& ctx) {
  if (ctx.inventory.kernel.ipForward) return kIpForwardCheck.pass("net.ipv4.ip_forward = 1");
  return kIpForwardCheck.failed(
      "net.ipv4.ip_forward is 0 (or could not be read); k3s sets it to 1 when it starts, so this does not "
      "block joining",
      "nothing is needed for k3s; to set it yourself and keep it after a reboot: "
      "`sysctl -w net.ipv4.ip_forward=1` and add `net.ipv4.ip_forward = 1` to /etc/sysctl.d/90-floe.conf");
}

}  // namespace floe::agent
