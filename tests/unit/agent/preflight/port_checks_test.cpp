#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using testing::FakeSystemProbe;
using testing::healthyInventory;

TEST_CASE("port checks: free ports pass", "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  for (const CheckResult& result : {checkApiServerPort(ctx), checkKubeletPort(ctx), checkFlannelPort(ctx)}) {
    INFO(result.id);
    CHECK(result.result == CheckOutcome::kPass);
    CHECK(result.severity == Severity::kFail);
    CHECK_THAT(result.observed, Contains("is free"));
  }
}

TEST_CASE("port checks: a port in use fails, naming the port and the ss command", "[preflight]") {
  FakeSystemProbe probe;
  probe.tcpInUse = {6443, 10250};
  probe.udpInUse = {8472};
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};

  CheckResult api = checkApiServerPort(ctx);
  CHECK(api.id == "port-6443-tcp");
  CHECK(api.result == CheckOutcome::kFail);
  CHECK_THAT(api.observed, Contains("port 6443/tcp is in use"));
  CHECK_THAT(api.hint, Contains("ss -ltnp 'sport = :6443'"));

  CheckResult kubelet = checkKubeletPort(ctx);
  CHECK(kubelet.id == "port-10250-tcp");
  CHECK(kubelet.result == CheckOutcome::kFail);
  CHECK_THAT(kubelet.observed, Contains("port 10250/tcp is in use") && Contains("kubelet"));
  CHECK_THAT(kubelet.hint, Contains("ss -ltnp 'sport = :10250'"));

  CheckResult flannel = checkFlannelPort(ctx);
  CHECK(flannel.id == "port-8472-udp");
  CHECK(flannel.result == CheckOutcome::kFail);
  CHECK_THAT(flannel.observed, Contains("port 8472/udp is in use"));
  CHECK_THAT(flannel.hint, Contains("ss -lunp 'sport = :8472'"));
}

TEST_CASE("port checks: TCP and UDP are probed separately", "[preflight]") {
  FakeSystemProbe probe;
  probe.tcpInUse = {8472};  // a TCP listener does not take the VXLAN port
  const Inventory inventory = healthyInventory();
  CHECK(checkFlannelPort(PreflightContext{inventory, probe}).result == CheckOutcome::kPass);
}

TEST_CASE("port checks: ports held by this cluster's running k3s pass on re-join", "[preflight]") {
  FakeSystemProbe probe;
  probe.tcpInUse = {6443, 10250};
  probe.udpInUse = {8472};
  const Inventory inventory = healthyInventory();
  PreflightContext ctx{inventory, probe};
  ctx.k3sRunning = true;
  for (const CheckResult& result : {checkApiServerPort(ctx), checkKubeletPort(ctx), checkFlannelPort(ctx)}) {
    INFO(result.id);
    CHECK(result.result == CheckOutcome::kPass);
    CHECK_THAT(result.observed, Contains("in use, as expected") && Contains("k3s of this cluster"));
  }
}

TEST_CASE("port checks: a probe error warns instead of failing", "[preflight]") {
  FakeSystemProbe probe;
  probe.portError = ioError("binding 0.0.0.0:6443/tcp: Permission denied");
  const Inventory inventory = healthyInventory();
  const CheckResult result = checkApiServerPort(PreflightContext{inventory, probe});
  CHECK(result.result == CheckOutcome::kWarn);
  CHECK_THAT(result.observed, Contains("could not check") && Contains("Permission denied"));
  CHECK_THAT(result.hint, Contains("ss -ltnp"));
}

}  // namespace
}  // namespace floe::agent
