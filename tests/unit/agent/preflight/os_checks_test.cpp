#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using testing::FakeSystemProbe;
using testing::healthyInventory;

CheckResult osResult(const std::string& id, const std::string& versionId) {
  Inventory inventory = healthyInventory();
  inventory.host.osId = id;
  inventory.host.osVersionId = versionId;
  inventory.host.osPrettyName = "";
  FakeSystemProbe probe;
  return checkOsSupported(PreflightContext{inventory, probe});
}

TEST_CASE("os-supported: supported distributions at or above their minimum pass", "[preflight]") {
  struct Case {
    const char* id;
    const char* versionId;
  };
  const Case cases[] = {{"debian", "11"},    {"debian", "12"},   {"ubuntu", "20.04"}, {"ubuntu", "24.04"},
                        {"rhel", "8.9"},     {"rocky", "9.3"},   {"almalinux", "8"},  {"sles", "15.5"},
                        {"fedora", "40"},    {"fedora", ""}};
  for (const Case& c : cases) {
    INFO(c.id << " " << c.versionId);
    const CheckResult result = osResult(c.id, c.versionId);
    CHECK(result.id == "os-supported");
    CHECK(result.severity == Severity::kWarn);
    CHECK(result.result == CheckOutcome::kPass);
    CHECK(result.hint.empty());
  }
}

TEST_CASE("os-supported: Debian testing/unstable without VERSION_ID passes", "[preflight]") {
  const CheckResult result = osResult("debian", "");
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("testing or unstable"));
}

TEST_CASE("os-supported: older releases warn and name the minimum", "[preflight]") {
  struct Case {
    const char* id;
    const char* versionId;
    const char* minimum;
  };
  const Case cases[] = {{"debian", "10", "Debian >= 11"},
                        {"ubuntu", "18.04", "Ubuntu >= 20.04"},
                        {"ubuntu", "19.10", "Ubuntu >= 20.04"},
                        {"rhel", "7.9", "RHEL >= 8"},
                        {"sles", "12.5", "SLES >= 15"}};
  for (const Case& c : cases) {
    INFO(c.id << " " << c.versionId);
    const CheckResult result = osResult(c.id, c.versionId);
    CHECK(result.result == CheckOutcome::kWarn);
    CHECK_THAT(result.observed, Contains(c.minimum) && Contains(c.versionId));
    CHECK_THAT(result.hint, Contains("upgrade"));
  }
}

TEST_CASE("os-supported: an unlisted distribution warns, listing what is supported", "[preflight]") {
  Inventory inventory = healthyInventory();
  inventory.host.osId = "arch";
  inventory.host.osVersionId = "";
  inventory.host.osPrettyName = "Arch Linux";
  FakeSystemProbe probe;
  const CheckResult result = checkOsSupported(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.observed,
             Contains("Arch Linux, os-release ID=arch, is not a supported OS") && Contains("Ubuntu >= 20.04"));
  CHECK_FALSE(result.hint.empty());
}

TEST_CASE("os-supported: unknown OS or unreadable version warns", "[preflight]") {
  CHECK(osResult("", "").result == CheckOutcome::kWarn);
  CHECK(osResult("ubuntu", "").result == CheckOutcome::kWarn);
  CHECK(osResult("ubuntu", "jammy").result == CheckOutcome::kWarn);
}

TEST_CASE("kernel-version: 4.15 and newer pass, older fails with the numbers", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  for (const char* release : {"4.15.0-213-generic", "5.14.0-362.el9.x86_64", "6.1.0-18-amd64", "5.0"}) {
    INFO(release);
    inventory.host.kernelRelease = release;
    const CheckResult result = checkKernelVersion(ctx);
    CHECK(result.result == CheckOutcome::kPass);
    CHECK(result.severity == Severity::kFail);
  }
  for (const char* release : {"4.14.336", "3.10.0-1160.el7.x86_64", "4.9.0-8-amd64"}) {
    INFO(release);
    inventory.host.kernelRelease = release;
    const CheckResult result = checkKernelVersion(ctx);
    CHECK(result.result == CheckOutcome::kFail);
    CHECK_THAT(result.observed, Contains(release) && Contains("4.15"));
    CHECK_THAT(result.hint, Contains("4.15"));
  }
}

TEST_CASE("kernel-version: an unreadable release warns instead of failing", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.host.kernelRelease = "";
  CHECK(checkKernelVersion(PreflightContext{inventory, probe}).result == CheckOutcome::kWarn);
  inventory.host.kernelRelease = "custom";
  CHECK(checkKernelVersion(PreflightContext{inventory, probe}).result == CheckOutcome::kWarn);
}

TEST_CASE("architecture: x86_64 and aarch64 pass, others fail", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  for (const char* arch : {"x86_64", "aarch64"}) {
    inventory.host.architecture = arch;
    CHECK(checkArchitecture(ctx).result == CheckOutcome::kPass);
  }
  for (const char* arch : {"armv7l", "riscv64", "ppc64le", "s390x", "i686"}) {
    INFO(arch);
    inventory.host.architecture = arch;
    const CheckResult result = checkArchitecture(ctx);
    CHECK(result.result == CheckOutcome::kFail);
    CHECK_THAT(result.observed, Contains(arch));
    CHECK_THAT(result.hint, Contains("x86_64") && Contains("aarch64"));
  }
  inventory.host.architecture = "";
  CHECK(checkArchitecture(ctx).result == CheckOutcome::kWarn);
}

}  // namespace
}  // namespace floe::agent
