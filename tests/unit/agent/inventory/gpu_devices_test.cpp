#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;

TEST_CASE("collectGpuDevices: this-machine has none (and no pci.ids is no problem then)", "[inventory][gpu]") {
  Warnings warnings;
  CHECK(collectGpuDevices(fixture("this-machine"), warnings).empty());
  CHECK(warnings.empty());
}

TEST_CASE("collectGpuDevices: two-socket-server lists the BMC's VGA", "[inventory][gpu]") {
  Warnings warnings;
  const auto gpus = collectGpuDevices(fixture("two-socket-server"), warnings);
  REQUIRE(gpus.size() == 1);
  const GpuDevice& vga = gpus[0];
  CHECK(vga.pciAddress == "0000:03:00.0");
  CHECK(vga.classCode == "0x030000");
  CHECK(vga.vendorId == "0x102b");
  CHECK(vga.deviceId == "0x0536");
  CHECK(vga.vendorName == "Matrox Electronics Systems Ltd.");  // /usr/share/misc/pci.ids
  CHECK(vga.deviceName == "Integrated Matrox G200eW3 Graphics Controller");
  CHECK(vga.driver == "mgag200");
  CHECK_FALSE(vga.memoryBytes);
  CHECK(vga.nvidiaDriverVersion == "");
  CHECK(vga.numaNode == 0);
  CHECK(warnings.empty());
}

TEST_CASE("collectGpuDevices: gpu-server (4 x A100 and an ASPEED VGA)", "[inventory][gpu]") {
  Warnings warnings;
  const auto gpus = collectGpuDevices(fixture("gpu-server"), warnings);
  REQUIRE(gpus.size() == 5);
  struct Expected {
    const char* address;
    const char* classCode;
    const char* vendorId;
    const char* deviceId;
    const char* vendorName;
    const char* deviceName;
    const char* driver;
    const char* nvidiaVersion;
    std::optional<int> numaNode;
  };
  const Expected expected[] = {
      {"0000:01:00.0", "0x030200", "0x10de", "0x20b0", "NVIDIA Corporation", "NVIDIA A100-SXM4-40GB", "nvidia",
       "550.54.15", 0},
      {"0000:26:00.0", "0x030000", "0x1a03", "0x2000", "ASPEED Technology, Inc.", "ASPEED Graphics Family", "ast", "",
       std::nullopt},  // numa_node -1
      {"0000:41:00.0", "0x030200", "0x10de", "0x20b0", "NVIDIA Corporation", "NVIDIA A100-SXM4-40GB", "nvidia",
       "550.54.15", 0},
      {"0000:81:00.0", "0x030200", "0x10de", "0x20b0", "NVIDIA Corporation", "NVIDIA A100-SXM4-40GB", "nvidia",
       "550.54.15", 1},
      // No /proc/driver/nvidia/gpus/<addr>/information: the name comes from pci.ids.
      {"0000:c1:00.0", "0x030200", "0x10de", "0x20b0", "NVIDIA Corporation", "GA100 [A100 SXM4 40GB]", "nvidia",
       "550.54.15", 1},
  };
  for (size_t i = 0; i < gpus.size(); ++i) {
    INFO(expected[i].address);
    CHECK(gpus[i].pciAddress == expected[i].address);
    CHECK(gpus[i].classCode == expected[i].classCode);
    CHECK(gpus[i].vendorId == expected[i].vendorId);
    CHECK(gpus[i].deviceId == expected[i].deviceId);
    CHECK(gpus[i].vendorName == expected[i].vendorName);
    CHECK(gpus[i].deviceName == expected[i].deviceName);
    CHECK(gpus[i].driver == expected[i].driver);
    CHECK(gpus[i].nvidiaDriverVersion == expected[i].nvidiaVersion);
    CHECK(gpus[i].numaNode == expected[i].numaNode);
    CHECK_FALSE(gpus[i].memoryBytes);  // not published by the driver's /proc files
  }
  CHECK(warnings.empty());
}

TEST_CASE("collectGpuDevices: odd inputs", "[inventory][gpu][odd]") {
  auto writeGpu = [](ScratchSysroot& scratch, const std::string& address, const std::string& classCode) {
    const std::string dir = "/sys/devices/pci0000:00/" + address;
    scratch.link("/sys/bus/pci/devices/" + address, "../../../devices/pci0000:00/" + address);
    scratch.write(dir + "/class", classCode + "\n");
    scratch.write(dir + "/vendor", "0x10de\n");
    scratch.write(dir + "/device", "0x20b0\n");
    scratch.write(dir + "/numa_node", "x\n");
  };
  SECTION("GPUs without pci.ids or the NVIDIA version file") {
    ScratchSysroot scratch;
    writeGpu(scratch, "0000:01:00.0", "0x030200");
    writeGpu(scratch, "0000:02:00.0", "0x120000");  // processing accelerator
    writeGpu(scratch, "0000:03:00.0", "0x020000");  // a NIC
    writeGpu(scratch, "0000:04:00.0", "");           // empty class
    scratch.link("/sys/devices/pci0000:00/0000:01:00.0/driver", "../../../bus/pci/drivers/nvidia");
    Warnings warnings;
    const auto gpus = collectGpuDevices(scratch.sysroot(), warnings);
    REQUIRE(gpus.size() == 2);
    CHECK(gpus[0].driver == "nvidia");
    CHECK(gpus[0].vendorName == "");
    CHECK_FALSE(gpus[0].numaNode);
    CHECK(gpus[1].classCode == "0x120000");
    CHECK(hasWarningContaining(warnings, "no pci.ids"));
    CHECK(hasWarningContaining(warnings, "cannot read /proc/driver/nvidia/version"));
  }
  SECTION("no PCI bus at all") {
    ScratchSysroot scratch;
    Warnings warnings;
    CHECK(collectGpuDevices(scratch.sysroot(), warnings).empty());
    CHECK(warnings.empty());
  }
  SECTION("garbage version file") {
    ScratchSysroot scratch;
    writeGpu(scratch, "0000:01:00.0", "0x030200");
    scratch.write("/usr/share/misc/pci.ids", "");
    scratch.write("/proc/driver/nvidia/version", "\n\n");
    Warnings warnings;
    const auto gpus = collectGpuDevices(scratch.sysroot(), warnings);
    REQUIRE(gpus.size() == 1);
    CHECK(gpus[0].nvidiaDriverVersion == "");
    CHECK(gpus[0].deviceName == "");
    CHECK(warnings == Warnings{"no pci.ids (/usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids): GPU names unknown; "
                               "install the pci.ids (Debian, Ubuntu) or hwdata (RHEL) package to name them"});  // an empty one names nothing
  }
}

}  // namespace
}  // namespace floe::agent
