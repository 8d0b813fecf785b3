#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using testing::FakeSystemProbe;
using testing::healthyInventory;

TEST_CASE("cgroups: v2 or v1 with cpu, memory and pids pass", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CheckResult v2 = checkCgroups(ctx);
  CHECK(v2.result == CheckOutcome::kPass);
  CHECK(v2.severity == Severity::kFail);
  CHECK_THAT(v2.observed, Contains("cgroup v2"));

  inventory.kernel.cgroupVersion = 1;
  inventory.kernel.cgroupControllers = {"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                                        "net_cls", "perf_event", "pids"};
  CheckResult v1 = checkCgroups(ctx);
  CHECK(v1.result == CheckOutcome::kPass);
  CHECK_THAT(v1.observed, Contains("cgroup v1"));
}

TEST_CASE("cgroups: a missing memory controller fails with the kernel command line hint", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  // Raspberry Pi OS before it enabled the memory controller by default.
  inventory.kernel.cgroupVersion = 1;
  inventory.kernel.cgroupControllers = {"cpuset", "cpu", "cpuacct", "blkio", "devices", "freezer", "pids"};
  const CheckResult result = checkCgroups(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("cgroup v1 lacks the memory controller") && Contains("available: cpuset"));
  CHECK_THAT(result.hint, Contains("cgroup_memory=1 cgroup_enable=memory"));
  CHECK_THAT(result.hint, !Contains("CONFIG_CGROUP_PIDS"));
}

TEST_CASE("cgroups: missing cpu or pids fails with a kernel config hint", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.kernel.cgroupControllers = {"cpu", "memory"};
  CheckResult result = checkCgroups(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("lacks the pids controller"));
  CHECK_THAT(result.hint, Contains("CONFIG_CGROUP_PIDS"));
  CHECK_THAT(result.hint, !Contains("cgroup_enable=memory"));

  inventory.kernel.cgroupControllers = {};
  result = checkCgroups(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("cpu, memory, pids controllers") && Contains("available: none"));
  CHECK_THAT(result.hint, Contains("cgroup_enable=memory") && Contains("CONFIG_CGROUP_PIDS"));
}

TEST_CASE("cgroups: an unknown cgroup version warns", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.kernel.cgroupVersion = 0;
  const CheckResult result = checkCgroups(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_FALSE(result.hint.empty());
}

TEST_CASE("kernel-modules: overlay and br_netfilter present pass, else fail with modprobe", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CheckResult result = checkKernelModules(ctx);
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("are loaded"));

  inventory.kernel.brNetfilter = false;
  result = checkKernelModules(ctx);
  CHECK(result.result == CheckOutcome::kFail);
  CHECK(result.severity == Severity::kFail);
  CHECK_THAT(result.observed, Contains("br_netfilter is neither loaded nor among the running kernel's modules"));
  CHECK_THAT(result.hint, Contains("`modprobe br_netfilter`") && Contains("/etc/modules-load.d/"));

  inventory.kernel.overlay = false;
  result = checkKernelModules(ctx);
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("overlay and br_netfilter are neither loaded"));
  CHECK_THAT(result.hint, Contains("`modprobe overlay br_netfilter`"));
}

TEST_CASE("kernel-modules: a module the kernel can load but has not yet passes", "[preflight]") {
  // A fresh Debian or Ubuntu install: br_netfilter ships as a module nobody loaded yet.
  FakeSystemProbe probe;
  probe.loadableModules = {"br_netfilter"};
  Inventory inventory = healthyInventory();
  inventory.kernel.brNetfilter = false;
  PreflightContext ctx{inventory, probe};
  CheckResult result = checkKernelModules(ctx);
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("br_netfilter is not loaded yet") && Contains("k3s loads it"));

  inventory.kernel.overlay = false;  // overlay neither loaded nor loadable
  result = checkKernelModules(ctx);
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, StartsWith("overlay is neither loaded"));
  CHECK_THAT(result.hint, Contains("`modprobe overlay`"));
}

TEST_CASE("moduleListContains: modules.dep and modules.builtin lines", "[preflight]") {
  // Lines as on Debian 12 (xz-compressed modules) and Ubuntu 24.04 (zstd).
  const std::string_view modulesDep =
      "kernel/fs/overlayfs/overlay.ko.xz:\n"
      "kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz kernel/net/802/stp.ko.xz "
      "kernel/net/llc/llc.ko.xz\n"
      "kernel/drivers/net/vxlan/vxlan.ko.zst: kernel/net/ipv4/udp_tunnel.ko.zst\n";
  CHECK(moduleListContains(modulesDep, "overlay"));
  CHECK(moduleListContains(modulesDep, "br_netfilter"));
  CHECK(moduleListContains(modulesDep, "br-netfilter"));
  CHECK(moduleListContains(modulesDep, "vxlan"));
  // Dependencies are not what a line provides.
  CHECK_FALSE(moduleListContains(modulesDep, "bridge"));
  CHECK_FALSE(moduleListContains(modulesDep, "udp_tunnel"));
  CHECK_FALSE(moduleListContains(modulesDep, "br"));

  const std::string_view modulesBuiltin = "kernel/fs/ext4/ext4.ko\nkernel/fs/overlayfs/overlay.ko\n";
  CHECK(moduleListContains(modulesBuiltin, "overlay"));
  CHECK_FALSE(moduleListContains(modulesBuiltin, "br_netfilter"));
  CHECK_FALSE(moduleListContains("", "overlay"));
}

TEST_CASE("sysctl-ip-forward: on passes, off warns and says k3s sets it", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CHECK(checkIpForward(ctx).result == CheckOutcome::kPass);
  inventory.kernel.ipForward = false;
  const CheckResult result = checkIpForward(ctx);
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK(result.severity == Severity::kWarn);
  CHECK_THAT(result.observed, Contains("k3s sets it"));
  CHECK_THAT(result.hint, Contains("sysctl -w net.ipv4.ip_forward=1"));
}

}  // namespace
}  // namespace floe::agent
