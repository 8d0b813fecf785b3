#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;

TEST_CASE("collectMemoryInfo: this-machine", "[inventory][memory]") {
  Warnings warnings;
  const MemoryInfo memory = collectMemoryInfo(fixture("this-machine"), warnings);
  CHECK(memory.totalBytes == 24684084 * kKiB);
  CHECK(memory.availableBytes == 22820808 * kKiB);
  CHECK(memory.swapTotalBytes == 0);
  CHECK(memory.swapFreeBytes == 0);
  CHECK(memory.hugePagesTotal == 0);
  CHECK(memory.hugePagesFree == 0);
  CHECK(memory.hugePageSizeBytes == 2 * 1024 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectMemoryInfo: two-socket-server (512 GiB installed)", "[inventory][memory]") {
  Warnings warnings;
  const MemoryInfo memory = collectMemoryInfo(fixture("two-socket-server"), warnings);
  CHECK(memory.totalBytes == 528162484 * kKiB);
  CHECK(memory.availableBytes == 452392104 * kKiB);
  CHECK(memory.swapTotalBytes == 8388604 * kKiB);
  CHECK(memory.swapFreeBytes == 8388604 * kKiB);
  CHECK(memory.hugePagesTotal == 0);
  CHECK(memory.hugePageSizeBytes == 2048 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectMemoryInfo: gpu-server (huge pages reserved)", "[inventory][memory]") {
  Warnings warnings;
  const MemoryInfo memory = collectMemoryInfo(fixture("gpu-server"), warnings);
  CHECK(memory.totalBytes == 1056375732 * kKiB);
  CHECK(memory.availableBytes == 998201228 * kKiB);
  CHECK(memory.swapTotalBytes == 0);
  CHECK(memory.hugePagesTotal == 1024);
  CHECK(memory.hugePagesFree == 1000);
  CHECK(memory.hugePageSizeBytes == 2048 * kKiB);
  CHECK(warnings.empty());
}

TEST_CASE("collectMemoryInfo: odd /proc/meminfo", "[inventory][memory][odd]") {
  SECTION("missing") {
    ScratchSysroot scratch;
    Warnings warnings;
    const MemoryInfo memory = collectMemoryInfo(scratch.sysroot(), warnings);
    CHECK(memory.totalBytes == 0);
    CHECK(hasWarningContaining(warnings, "cannot read /proc/meminfo"));
  }
  SECTION("empty") {
    ScratchSysroot scratch;
    scratch.write("/proc/meminfo", "");
    Warnings warnings;
    CHECK(collectMemoryInfo(scratch.sysroot(), warnings).totalBytes == 0);
    CHECK(hasWarningContaining(warnings, "no readable MemTotal"));
  }
  SECTION("garbage numbers") {
    ScratchSysroot scratch;
    scratch.write("/proc/meminfo", "MemTotal: many kB\nSwapTotal: -5 kB\n");
    Warnings warnings;
    const MemoryInfo memory = collectMemoryInfo(scratch.sysroot(), warnings);
    CHECK(memory.totalBytes == 0);
    CHECK(memory.swapTotalBytes == 0);
    CHECK(hasWarningContaining(warnings, "no readable MemTotal"));
  }
  SECTION("a kernel before MemAvailable (3.14)") {
    ScratchSysroot scratch;
    scratch.write("/proc/meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n");
    Warnings warnings;
    CHECK(collectMemoryInfo(scratch.sysroot(), warnings).availableBytes == 420 * kKiB);
    CHECK(warnings.empty());
  }
}

}  // namespace
}  // namespace floe::agent
