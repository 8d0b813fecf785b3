// The ports k3s binds on every node. A port held by another program makes k3s fail at
// start, long after the join looked fine; a port held by this cluster's own k3s is
// what a re-join finds, and is fine.
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/preflight/checks.h"

namespace floe::agent {
namespace {

constexpr uint16_t kApiServerPort = 6443;
constexpr uint16_t kKubeletPort = 10250;
constexpr uint16_t kFlannelVxlanPort = 8472;

enum class Protocol { kTcp, kUdp };

CheckResult checkPort(const PreflightContext& ctx, const CheckSpec& spec, uint16_t port, Protocol protocol,
                      std::string_view neededBy) {
  const bool tcp = protocol == Protocol::kTcp;
  const std::string name = "port " + std::to_string(port) + (tcp ? "/tcp" : "/udp");
  // ss: -l listening, -t/-u the protocol, -n numeric, -p the owning process.
  const std::string ssCommand =
      std::string("`ss ") + (tcp ? "-ltnp" : "-lunp") + " 'sport = :" + std::to_string(port) + "'`";

  auto state = tcp ? ctx.probe.tcpPortState(port) : ctx.probe.udpPortState(port);
  if (!state.isOk()) {
    return spec.warn("could not check whether " + name + " is free: " + state.status().message(),
                     "check by hand: " + ssCommand + " should list nothing");
  }
  if (*state == PortState::kFree) return spec.pass(name + " is free for " + std::string(neededBy));
  if (ctx.k3sRunning) {
    return spec.pass(name + " is in use, as expected: k3s of this cluster already runs on this machine");
  }
  return spec.failed(name + " is in use by another program; " + std::string(neededBy) + " needs it",
                     "find the program with " + ssCommand + " and stop it, or remove a k3s left from an "
                     "earlier install (`k3s-agent-uninstall.sh` or `k3s-uninstall.sh`)");
}

}  // namespace

CheckResult checkApiServerPort(const PreflightContext& ctx) {
  return checkPort(ctx, kApiServerPortCheck, kApiServerPort, Protocol::kTcp, "the k3s API server");
}

CheckResult checkKubeletPort(const PreflightContext& ctx) {
  return checkPort(ctx, kKubeletPortCheck, kKubeletPort, Protocol::kTcp, "the kubelet");
}

CheckResult checkFlannelPort(const PreflightContext& ctx) {
  return checkPort(ctx, kFlannelPortCheck, kFlannelVxlanPort, Protocol::kUdp, "the flannel VXLAN pod network");
}

}  // namespace floe::agent
