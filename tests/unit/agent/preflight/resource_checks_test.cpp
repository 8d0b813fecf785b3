#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using testing::FakeSystemProbe;
using testing::healthyInventory;
using testing::kTestGiB;

TEST_CASE("swap: off passes, on warns with swapoff and fstab", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CHECK(checkSwap(ctx).result == CheckOutcome::kPass);

  inventory.memory.swapTotalBytes = 2 * kTestGiB;
  inventory.memory.swapFreeBytes = 3 * kTestGiB / 2;
  const CheckResult result = checkSwap(ctx);
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK(result.severity == Severity::kWarn);
  CHECK_THAT(result.observed, Contains("swap is on (2.0 GiB, 1.5 GiB free)"));
  CHECK_THAT(result.hint, Contains("swapoff -a") && Contains("/etc/fstab"));
}

TEST_CASE("disk-space: 20 GiB or more free passes", "[preflight]") {
  FakeSystemProbe probe;
  probe.disk = DiskSpace{"/var/lib/rancher", 20 * kTestGiB, 100 * kTestGiB};
  const Inventory inventory = healthyInventory();
  const CheckResult result = checkDiskSpace(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("20.0 GiB free of 100.0 GiB") && Contains("/var/lib/rancher"));
  REQUIRE(probe.freeSpaceAsked.size() == 1);
  CHECK(probe.freeSpaceAsked[0] == "/var/lib/rancher");
}

TEST_CASE("disk-space: less than 20 GiB fails with the numbers", "[preflight]") {
  FakeSystemProbe probe;
  probe.disk = DiskSpace{"/var/lib/rancher", 20 * kTestGiB - 1, 50 * kTestGiB};
  const Inventory inventory = healthyInventory();
  const CheckResult result = checkDiskSpace(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kFail);
  CHECK(result.severity == Severity::kFail);
  // Rounded down: 1 byte short of 20 GiB never reads as "20.0 GiB".
  CHECK_THAT(result.observed, Contains("only 19.9 GiB free of 50.0 GiB") && Contains("20.0 GiB"));
  CHECK_THAT(result.hint, Contains("/var/lib/rancher"));
}

TEST_CASE("disk-space: the configured data dir is measured, and a missing one at its parent", "[preflight]") {
  FakeSystemProbe probe;
  probe.disk = DiskSpace{"/srv", 5 * kTestGiB, 10 * kTestGiB};
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  ctx.dataDir = "/srv/floe/rancher";
  const CheckResult result = checkDiskSpace(ctx);
  REQUIRE(probe.freeSpaceAsked.size() == 1);
  CHECK(probe.freeSpaceAsked[0] == "/srv/floe/rancher");
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("measured at /srv") && Contains("/srv/floe/rancher does not exist yet"));
  CHECK_THAT(result.hint, Contains("du -xsh /srv/*"));
}

TEST_CASE("disk-space: nothing measurable warns", "[preflight]") {
  FakeSystemProbe probe;
  probe.disk = std::nullopt;
  const Inventory inventory = healthyInventory();
  const CheckResult result = checkDiskSpace(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.hint, Contains("df -h /var/lib/rancher"));
}

TEST_CASE("memory: 2 GiB passes, between 1 and 2 GiB warns, under 1 GiB fails", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};

  inventory.memory.totalBytes = 2 * kTestGiB;
  CHECK(checkMemory(ctx).result == CheckOutcome::kPass);

  inventory.memory.totalBytes = 2 * kTestGiB - 1;
  CheckResult result = checkMemory(ctx);
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.observed, Contains("1.9 GiB") && Contains("2.0 GiB"));
  CHECK_FALSE(result.hint.empty());

  inventory.memory.totalBytes = kTestGiB;
  CHECK(checkMemory(ctx).result == CheckOutcome::kWarn);

  inventory.memory.totalBytes = 768ull << 20;
  result = checkMemory(ctx);
  CHECK(result.result == CheckOutcome::kFail);
  CHECK(result.severity == Severity::kFail);
  CHECK_THAT(result.observed, Contains("768.0 MiB") && Contains("1.0 GiB is the minimum"));

  inventory.memory.totalBytes = 0;  // MemTotal unreadable
  CHECK(checkMemory(ctx).result == CheckOutcome::kWarn);
}

}  // namespace
}  // namespace floe::agent
