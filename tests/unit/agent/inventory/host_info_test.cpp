#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;

HostInfo collectHost(const Sysroot& sysroot, Warnings& warnings) {
  const CpuInfo cpu = collectCpuInfo(sysroot, warnings);
  return collectHostInfo(sysroot, cpu, warnings);
}

TEST_CASE("collectHostInfo: this-machine (captured Firecracker VM with a docker marker)", "[inventory][host]") {
  Warnings warnings;
  const HostInfo host = collectHost(fixture("this-machine"), warnings);
  CHECK(host.hostname == "vm");
  CHECK(host.machineId == "3d1219c7c4c5404aaa1f6d2a48adfda4");
  CHECK(host.osId == "debian");
  CHECK(host.osVersionId == "12");
  CHECK(host.osPrettyName == "Debian GNU/Linux 12 (bookworm)");
  CHECK(host.kernelRelease == "6.18.44-fc-v669");
  CHECK(host.architecture == "x86_64");  // from /proc/sys/kernel/arch
  CHECK(host.bootTimeUnix == 1795487210);
  CHECK(host.dmiVendor == "");
  CHECK(host.dmiProduct == "");
  CHECK(host.dmiSerial == "");
  CHECK(host.containerRuntime == "docker");  // /.dockerenv
  CHECK(host.hypervisor == "kvm");           // hypervisor flag + kvm-clock, no DMI
  CHECK(host.virtualization == "container");
  CHECK(warnings == Warnings{"no DMI information (/sys/class/dmi/id missing): vendor, product and serial unknown"});
}

TEST_CASE("collectHostInfo: two-socket-server (Dell R750, Ubuntu 22.04)", "[inventory][host]") {
  Warnings warnings;
  const HostInfo host = collectHost(fixture("two-socket-server"), warnings);
  CHECK(host.hostname == "worker-r750-01");
  CHECK(host.machineId == "4f6b2c1e9d8a4b7c8e5f3a2b1c0d9e8f");
  CHECK(host.osId == "ubuntu");
  CHECK(host.osVersionId == "22.04");
  CHECK(host.osPrettyName == "Ubuntu 22.04.4 LTS");
  CHECK(host.kernelRelease == "5.15.0-105-generic");
  CHECK(host.architecture == "x86_64");  // no kernel/arch on 5.15: derived from the CPU vendor
  CHECK(host.bootTimeUnix == 1714032000);
  CHECK(host.dmiVendor == "Dell Inc.");
  CHECK(host.dmiProduct == "PowerEdge R750");
  CHECK(host.dmiSerial == "7XJ2K93");
  CHECK(host.containerRuntime == "");
  CHECK(host.hypervisor == "");
  CHECK(host.virtualization == "none");
  CHECK(warnings.empty());
}

TEST_CASE("collectHostInfo: gpu-server (Supermicro, Rocky 9, os-release only under /usr/lib)", "[inventory][host]") {
  Warnings warnings;
  const HostInfo host = collectHost(fixture("gpu-server"), warnings);
  CHECK(host.hostname == "gpu-a100-01");
  CHECK(host.machineId == "9a0e7c53b2d84f61a7c2e0d4b6f81c35");
  CHECK(host.osId == "rocky");
  CHECK(host.osVersionId == "9.3");
  CHECK(host.osPrettyName == "Rocky Linux 9.3 (Blue Onyx)");
  CHECK(host.kernelRelease == "5.14.0-362.8.1.el9_3.x86_64");
  CHECK(host.architecture == "x86_64");
  CHECK(host.bootTimeUnix == 1716200000);
  CHECK(host.dmiVendor == "Supermicro");
  CHECK(host.dmiProduct == "AS -2124GQ-NART");
  CHECK(host.dmiSerial == "A349823X1B07122");
  CHECK(host.virtualization == "none");
  CHECK(warnings.empty());
}

TEST_CASE("collectHostInfo: an empty sysroot gives warnings, not a crash", "[inventory][host][odd]") {
  ScratchSysroot scratch;
  Warnings warnings;
  const HostInfo host = collectHost(scratch.sysroot(), warnings);
  CHECK(host.hostname == "");
  CHECK(host.architecture == "");
  CHECK_FALSE(host.bootTimeUnix);
  CHECK(host.virtualization == "");  // nothing to decide from
  CHECK(hasWarningContaining(warnings, "/proc/sys/kernel/hostname"));
  CHECK(hasWarningContaining(warnings, "/etc/machine-id"));
  CHECK(hasWarningContaining(warnings, "os-release"));
  CHECK(hasWarningContaining(warnings, "/proc/sys/kernel/osrelease"));
  CHECK(hasWarningContaining(warnings, "architecture unknown"));
  CHECK(hasWarningContaining(warnings, "btime"));
  CHECK(hasWarningContaining(warnings, "no DMI information"));
}

TEST_CASE("collectHostInfo: garbage and empty files", "[inventory][host][odd]") {
  ScratchSysroot scratch;
  scratch.write("/proc/sys/kernel/hostname", "\n");
  scratch.write("/etc/machine-id", "");
  scratch.write("/etc/os-release", "this is not os-release\n");
  scratch.write("/proc/stat", "cpu 1 2 3\nbtime soon\n");
  scratch.write("/sys/class/dmi/id/sys_vendor", "Dell Inc.\n");  // product files missing
  Warnings warnings;
  const HostInfo host = collectHost(scratch.sysroot(), warnings);
  CHECK(host.hostname == "");
  CHECK(host.machineId == "");
  CHECK(host.osId == "");
  CHECK_FALSE(host.bootTimeUnix);
  CHECK(host.dmiVendor == "Dell Inc.");
  CHECK(hasWarningContaining(warnings, "/etc/os-release has no ID"));
  CHECK(hasWarningContaining(warnings, "cannot read /sys/class/dmi/id/product_name"));
  CHECK(hasWarningContaining(warnings, "cannot read /sys/class/dmi/id/product_serial (readable by root only)"));
  CHECK(hasWarningContaining(warnings, "btime"));
}

// A minimal x86 host for the virtualization checks.
void writeX86(ScratchSysroot& scratch, bool hypervisorFlag) {
  scratch.write("/proc/sys/kernel/arch", "x86_64\n");
  scratch.write("/proc/cpuinfo", std::string("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: fpu sse4_2") +
                                     (hypervisorFlag ? " hypervisor" : "") + "\n\n");
}

TEST_CASE("collectHostInfo: virtualization and container detection", "[inventory][host]") {
  SECTION("VMware from DMI") {
    ScratchSysroot scratch;
    writeX86(scratch, true);
    scratch.write("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n");
    scratch.write("/sys/class/dmi/id/product_name", "VMware Virtual Platform\n");
    Warnings warnings;
    const HostInfo host = collectHost(scratch.sysroot(), warnings);
    CHECK(host.hypervisor == "vmware");
    CHECK(host.virtualization == "vmware");
  }
  SECTION("QEMU machine with kvm-clock is KVM; without it plain QEMU") {
    ScratchSysroot scratch;
    writeX86(scratch, true);
    scratch.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
    scratch.write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).hypervisor == "qemu");
    scratch.write("/sys/devices/system/clocksource/clocksource0/available_clocksource", "kvm-clock tsc acpi_pm\n");
    CHECK(collectHost(scratch.sysroot(), warnings).hypervisor == "kvm");
  }
  SECTION("Hyper-V from DMI") {
    ScratchSysroot scratch;
    writeX86(scratch, true);
    scratch.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
    scratch.write("/sys/class/dmi/id/product_name", "Virtual Machine\n");
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).virtualization == "hyperv");
  }
  SECTION("a bare-metal cloud instance keeps its cloud's DMI but has no hypervisor flag") {
    ScratchSysroot scratch;
    writeX86(scratch, false);
    scratch.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
    scratch.write("/sys/class/dmi/id/product_name", "m5.metal\n");
    Warnings warnings;
    const HostInfo host = collectHost(scratch.sysroot(), warnings);
    CHECK(host.hypervisor == "");
    CHECK(host.virtualization == "none");
  }
  SECTION("an unidentified hypervisor") {
    ScratchSysroot scratch;
    writeX86(scratch, true);
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).virtualization == "vm-other");
  }
  SECTION("Xen from /sys/hypervisor/type") {
    ScratchSysroot scratch;
    writeX86(scratch, true);
    scratch.write("/sys/hypervisor/type", "xen\n");
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).hypervisor == "xen");
  }
  SECTION("podman marker wins over the others") {
    ScratchSysroot scratch;
    writeX86(scratch, false);
    scratch.write("/run/.containerenv", "engine=\"podman-4.9\"\n");
    scratch.write("/.dockerenv", "");
    Warnings warnings;
    const HostInfo host = collectHost(scratch.sysroot(), warnings);
    CHECK(host.containerRuntime == "podman");
    CHECK(host.virtualization == "container");
  }
  SECTION("systemd's container file") {
    ScratchSysroot scratch;
    writeX86(scratch, false);
    scratch.write("/run/systemd/container", "systemd-nspawn\n");
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).containerRuntime == "systemd-nspawn");
  }
  SECTION("a Kubernetes pod on cgroup v1") {
    ScratchSysroot scratch;
    writeX86(scratch, false);
    scratch.write("/proc/1/cgroup", "12:memory:/kubepods/burstable/pod1234/abcd\n0::/\n");
    Warnings warnings;
    CHECK(collectHost(scratch.sysroot(), warnings).containerRuntime == "kubernetes");
  }
  SECTION("arm64 has no hypervisor flag: unknown rather than a guess") {
    ScratchSysroot scratch;
    scratch.write("/proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd aes crc32 atomics\nCPU implementer\t: 0x41\n\n");
    Warnings warnings;
    const HostInfo host = collectHost(scratch.sysroot(), warnings);
    CHECK(host.architecture == "aarch64");  // no kernel/arch, derived from asimd
    CHECK(host.virtualization == "");
  }
}

}  // namespace
}  // namespace floe::agent
