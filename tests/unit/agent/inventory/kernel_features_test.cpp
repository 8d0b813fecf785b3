#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using Names = std::vector<std::string>;

TEST_CASE("collectKernelFeatures: this-machine (cgroup v1 with a v2 unified mount)", "[inventory][kernel]") {
  Warnings warnings;
  const KernelFeatures kernel = collectKernelFeatures(fixture("this-machine"), warnings);
  CHECK(kernel.cgroupVersion == 1);
  CHECK(kernel.cgroupControllers == Names{"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                                          "net_cls", "perf_event", "net_prio", "hugetlb", "pids"});
  CHECK(kernel.overlay);
  CHECK(kernel.brNetfilter);  // /proc/sys/net/bridge exists
  CHECK_FALSE(kernel.ipForward);
  CHECK(warnings.empty());
}

TEST_CASE("collectKernelFeatures: two-socket-server (k3s running)", "[inventory][kernel]") {
  Warnings warnings;
  const KernelFeatures kernel = collectKernelFeatures(fixture("two-socket-server"), warnings);
  CHECK(kernel.cgroupVersion == 2);
  CHECK(kernel.cgroupControllers == Names{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"});
  CHECK(kernel.overlay);
  CHECK(kernel.brNetfilter);
  CHECK(kernel.ipForward);
  CHECK(warnings.empty());
}

TEST_CASE("collectKernelFeatures: gpu-server (br_netfilter not loaded)", "[inventory][kernel]") {
  Warnings warnings;
  const KernelFeatures kernel = collectKernelFeatures(fixture("gpu-server"), warnings);
  CHECK(kernel.cgroupVersion == 2);
  CHECK(kernel.cgroupControllers == Names{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"});
  CHECK(kernel.overlay);
  CHECK_FALSE(kernel.brNetfilter);
  CHECK_FALSE(kernel.ipForward);
  CHECK(warnings.empty());
}

TEST_CASE("collectKernelFeatures: odd inputs", "[inventory][kernel][odd]") {
  SECTION("nothing readable") {
    ScratchSysroot scratch;
    Warnings warnings;
    const KernelFeatures kernel = collectKernelFeatures(scratch.sysroot(), warnings);
    CHECK(kernel.cgroupVersion == 0);
    CHECK_FALSE(kernel.overlay);
    CHECK_FALSE(kernel.brNetfilter);
    CHECK_FALSE(kernel.ipForward);
    CHECK(hasWarningContaining(warnings, "cgroup version unknown"));
    CHECK(hasWarningContaining(warnings, "/proc/filesystems"));
    CHECK(hasWarningContaining(warnings, "ip_forward"));
  }
  SECTION("empty and garbage files") {
    ScratchSysroot scratch;
    scratch.write("/sys/fs/cgroup/cgroup.controllers", "");
    scratch.write("/proc/filesystems", "overlayish\n");
    scratch.write("/proc/sys/net/ipv4/ip_forward", "yes\n");
    scratch.mkdir("/sys/module/br_netfilter");
    Warnings warnings;
    const KernelFeatures kernel = collectKernelFeatures(scratch.sysroot(), warnings);
    CHECK(kernel.cgroupVersion == 2);
    CHECK(kernel.cgroupControllers.empty());
    CHECK_FALSE(kernel.overlay);
    CHECK(kernel.brNetfilter);
    CHECK_FALSE(kernel.ipForward);
    CHECK(warnings.empty());
  }
}

}  // namespace
}  // namespace floe::agent
