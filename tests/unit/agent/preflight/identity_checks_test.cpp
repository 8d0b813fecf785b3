#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using testing::FakeSystemProbe;
using testing::healthyInventory;

TEST_CASE("root: euid 0 passes, any other fails with sudo", "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CHECK(checkRoot(ctx).result == CheckOutcome::kPass);

  probe.euid = 1000;
  const CheckResult result = checkRoot(ctx);
  CHECK(result.id == "root");
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("euid 1000"));
  CHECK_THAT(result.hint, Contains("sudo"));
}

TEST_CASE("hostname: a valid, resolvable name passes and defers uniqueness to the head", "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  const CheckResult result = checkHostname(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("\"worker-01\"") && Contains("checked by the head at join time"));
}

TEST_CASE("hostname: localhost fails", "[preflight]") {
  FakeSystemProbe probe;
  probe.resolvableHosts = {"localhost", "localhost.localdomain"};
  Inventory inventory = healthyInventory();
  for (const char* name : {"localhost", "LOCALHOST", "localhost.localdomain"}) {
    INFO(name);
    inventory.host.hostname = name;
    const CheckResult result = checkHostname(PreflightContext{inventory, probe});
    CHECK(result.result == CheckOutcome::kFail);
    CHECK_THAT(result.hint, Contains("hostnamectl set-hostname"));
  }
}

TEST_CASE("hostname: a name that is not a DNS name fails and suggests one", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.host.hostname = "Worker_01";
  probe.resolvableHosts = {"Worker_01"};
  const CheckResult result = checkHostname(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kFail);
  CHECK_THAT(result.observed, Contains("not a valid DNS name"));
  CHECK_THAT(result.hint, Contains("hostnamectl set-hostname worker-01"));
}

TEST_CASE("hostname: uppercase letters warn, recommending lowercase", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.host.hostname = "Worker-01";
  probe.resolvableHosts = {"Worker-01"};
  const CheckResult result = checkHostname(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.observed, Contains("uppercase"));
  CHECK_THAT(result.hint, Contains("hostnamectl set-hostname worker-01"));
}

TEST_CASE("hostname: a name that does not resolve warns with an /etc/hosts line", "[preflight]") {
  FakeSystemProbe probe;
  probe.resolvableHosts = {};
  Inventory inventory = healthyInventory();
  const CheckResult result = checkHostname(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK(result.severity == Severity::kFail);
  CHECK_THAT(result.observed, Contains("does not resolve") && Contains("checked by the head at join time"));
  // The address of the default-route interface, so the line can be pasted as is.
  CHECK_THAT(result.hint, Contains("10.0.0.5 worker-01") && Contains("/etc/hosts"));

  inventory.defaultRouteInterface = "";
  CHECK_THAT(checkHostname(PreflightContext{inventory, probe}).hint, Contains("<this machine's IP address>"));
}

TEST_CASE("hostname: an unreadable hostname warns", "[preflight]") {
  FakeSystemProbe probe;
  Inventory inventory = healthyInventory();
  inventory.host.hostname = "";
  CHECK(checkHostname(PreflightContext{inventory, probe}).result == CheckOutcome::kWarn);
}

TEST_CASE("time-sync: synchronised passes, unsynchronised warns with how to enable NTP", "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  CheckResult result = checkTimeSync(ctx);
  CHECK(result.result == CheckOutcome::kPass);
  CHECK_THAT(result.observed, Contains("12.0 ms"));

  probe.time = TimeSyncState{false, 16'000'000};
  result = checkTimeSync(ctx);
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK(result.severity == Severity::kWarn);
  CHECK_THAT(result.observed, Contains("not synchronised") && Contains("16.0 s"));
  CHECK_THAT(result.hint, Contains("timedatectl set-ntp true") && Contains("chrony"));

  // STA_UNSYNC clear but an error bound the kernel gives up at is no synchronisation.
  probe.time = TimeSyncState{true, 16'000'000};
  CHECK(checkTimeSync(ctx).result == CheckOutcome::kWarn);

  probe.time = ioError("reading the kernel clock state (adjtimex): Operation not permitted");
  result = checkTimeSync(ctx);
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.observed, Contains("Operation not permitted"));
}

}  // namespace
}  // namespace floe::agent
