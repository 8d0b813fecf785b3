#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using Flags = std::vector<std::string>;

std::vector<int> range(int first, int last) {
  std::vector<int> out;
  for (int i = first; i <= last; ++i) out.push_back(i);
  return out;
}

std::vector<int> concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("collectCpuInfo: this-machine", "[inventory][cpu]") {
  Warnings warnings;
  const CpuInfo cpu = collectCpuInfo(fixture("this-machine"), warnings);
  CHECK(cpu.vendor == "AuthenticAMD");
  CHECK(cpu.model == "AMD EPYC");
  CHECK(cpu.sockets == 1);
  CHECK(cpu.cores == 2);
  CHECK(cpu.threads == 2);
  CHECK(cpu.mhz == 2596);  // no cpufreq in this VM: /proc/cpuinfo's 2596.098, rounded
  CHECK(cpu.flags == Flags{"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512dq", "avx512cd",
                           "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "aes", "vaes", "pclmulqdq",
                           "sha_ni", "popcnt", "rdrand", "hypervisor"});
  REQUIRE(cpu.numaNodes.size() == 1);
  CHECK(cpu.numaNodes[0].id == 0);
  CHECK(cpu.numaNodes[0].cpus == std::vector<int>{0, 1});
  CHECK(cpu.numaNodes[0].memoryBytes == 8743116 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectCpuInfo: two-socket-server (2 x 16 cores x 2 threads, repeated core ids)", "[inventory][cpu]") {
  Warnings warnings;
  const CpuInfo cpu = collectCpuInfo(fixture("two-socket-server"), warnings);
  CHECK(cpu.vendor == "GenuineIntel");
  CHECK(cpu.model == "Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz");
  CHECK(cpu.sockets == 2);
  CHECK(cpu.cores == 32);  // distinct (package, core_id): core ids repeat across sockets
  CHECK(cpu.threads == 64);
  CHECK(cpu.mhz == 3500);  // cpufreq's cpuinfo_max_freq, not the moving "cpu MHz"
  CHECK(cpu.flags == Flags{"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512dq", "avx512cd",
                           "avx512bw", "avx512vl", "avx512_vnni", "aes", "vaes", "pclmulqdq", "sha_ni", "popcnt",
                           "rdrand", "vmx"});
  REQUIRE(cpu.numaNodes.size() == 2);
  CHECK(cpu.numaNodes[0].id == 0);
  CHECK(cpu.numaNodes[0].cpus == concat(range(0, 15), range(32, 47)));
  CHECK(cpu.numaNodes[0].memoryBytes == 263921332 * kKiB);
  CHECK(cpu.numaNodes[1].id == 1);
  CHECK(cpu.numaNodes[1].cpus == concat(range(16, 31), range(48, 63)));
  CHECK(cpu.numaNodes[1].memoryBytes == 264241152 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectCpuInfo: gpu-server (2 x EPYC 7313, SMT off)", "[inventory][cpu]") {
  Warnings warnings;
  const CpuInfo cpu = collectCpuInfo(fixture("gpu-server"), warnings);
  CHECK(cpu.vendor == "AuthenticAMD");
  CHECK(cpu.model == "AMD EPYC 7313 16-Core Processor");
  CHECK(cpu.sockets == 2);
  CHECK(cpu.cores == 32);
  CHECK(cpu.threads == 32);
  CHECK(cpu.mhz == 3000);
  CHECK(cpu.flags == Flags{"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "aes", "vaes", "pclmulqdq", "sha_ni",
                           "popcnt", "rdrand", "svm"});
  REQUIRE(cpu.numaNodes.size() == 2);
  CHECK(cpu.numaNodes[0].cpus == range(0, 15));
  CHECK(cpu.numaNodes[0].memoryBytes == 527939476 * kKiB);
  CHECK(cpu.numaNodes[1].cpus == range(16, 31));
  CHECK(cpu.numaNodes[1].memoryBytes == 528436256 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectCpuInfo: without sysfs, topology comes from /proc/cpuinfo", "[inventory][cpu][odd]") {
  ScratchSysroot scratch;
  scratch.write("/proc/cpuinfo",
                "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\ncpu MHz\t\t: 2100.4\nphysical id\t: 0\ncore id\t\t: 0\n\n"
                "processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\ncore id\t\t: 0\n\n"
                "processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 1\ncore id\t\t: 0\n\n");
  Warnings warnings;
  const CpuInfo cpu = collectCpuInfo(scratch.sysroot(), warnings);
  CHECK(cpu.threads == 3);
  CHECK(cpu.sockets == 2);
  CHECK(cpu.cores == 2);
  CHECK(cpu.mhz == 2100);
  CHECK(cpu.numaNodes.empty());
  CHECK(hasWarningContaining(warnings, "counted CPUs from /proc/cpuinfo"));
}

TEST_CASE("collectCpuInfo: arm64 cpuinfo names the implementer", "[inventory][cpu]") {
  ScratchSysroot scratch;
  scratch.write("/proc/cpuinfo",
                "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n"
                "CPU implementer\t: 0xc0\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xac3\n\n");
  scratch.write("/sys/devices/system/cpu/online", "0\n");
  scratch.write("/sys/devices/system/cpu/cpu0/topology/physical_package_id", "-1\n");  // older arm64 kernels
  scratch.write("/sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
  Warnings warnings;
  const CpuInfo cpu = collectCpuInfo(scratch.sysroot(), warnings);
  CHECK(cpu.vendor == "Ampere");
  CHECK(cpu.model == "CPU part 0xac3");
  CHECK(cpu.flags == Flags{"aes", "asimd", "pmull", "sha2", "crc32", "atomics"});
  CHECK(cpu.sockets == 1);
  CHECK(cpu.cores == 1);
  CHECK(cpu.threads == 1);
}

TEST_CASE("collectCpuInfo: missing and garbage files", "[inventory][cpu][odd]") {
  SECTION("nothing at all") {
    ScratchSysroot scratch;
    Warnings warnings;
    const CpuInfo cpu = collectCpuInfo(scratch.sysroot(), warnings);
    CHECK(cpu.threads == 0);
    CHECK(cpu.sockets == 0);
    CHECK(hasWarningContaining(warnings, "cannot read /proc/cpuinfo"));
  }
  SECTION("garbage topology and NUMA files") {
    ScratchSysroot scratch;
    scratch.write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: X\ncpu MHz\t\t: fast\n\n");
    scratch.write("/sys/devices/system/cpu/online", "0-1\n");
    scratch.write("/sys/devices/system/cpu/cpu0/topology/physical_package_id", "zero\n");
    scratch.write("/sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
    scratch.write("/sys/devices/system/node/node0/cpulist", "0-banana\n");
    scratch.write("/sys/devices/system/node/node0/meminfo", "");
    scratch.write("/sys/devices/system/node/nodes_are_great", "not a node\n");
    Warnings warnings;
    const CpuInfo cpu = collectCpuInfo(scratch.sysroot(), warnings);
    CHECK(cpu.threads == 2);
    CHECK(cpu.sockets == 0);
    CHECK(cpu.mhz == 0);
    REQUIRE(cpu.numaNodes.size() == 1);
    CHECK(cpu.numaNodes[0].cpus.empty());
    CHECK(cpu.numaNodes[0].memoryBytes == 0);
    CHECK(hasWarningContaining(warnings, "sockets and cores unknown"));
    CHECK(hasWarningContaining(warnings, "node0/cpulist"));
    CHECK(hasWarningContaining(warnings, "node0/meminfo"));
  }
}

}  // namespace
}  // namespace floe::agent
