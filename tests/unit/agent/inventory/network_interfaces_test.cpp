#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using Names = std::vector<std::string>;

const NetworkInterface& byName(const std::vector<NetworkInterface>& interfaces, const std::string& name) {
  for (const auto& nic : interfaces) {
    if (nic.name == name) return nic;
  }
  FAIL("no interface " << name);
  throw std::logic_error("unreachable");
}

Names namesOf(const std::vector<NetworkInterface>& interfaces) {
  Names names;
  for (const auto& nic : interfaces) names.push_back(nic.name);
  return names;
}

TEST_CASE("collectNetworkInterfaces: this-machine", "[inventory][network]") {
  Warnings warnings;
  const auto interfaces = collectNetworkInterfaces(fixture("this-machine"), warnings);
  REQUIRE(namesOf(interfaces) == Names{"eth0", "ifb0", "ifb1", "lo"});

  const auto& eth0 = byName(interfaces, "eth0");
  CHECK(eth0.mac == "02:fc:00:00:00:01");
  CHECK(eth0.mtu == 1400);
  CHECK_FALSE(eth0.speedMbps);  // virtio_net reports -1
  CHECK(eth0.operState == "up");
  CHECK(eth0.driver == "virtio_net");
  CHECK(eth0.kind == "physical");
  CHECK(eth0.ipv4 == Names{"192.0.2.2/24"});
  CHECK(eth0.ipv6 == Names{"fd00::2/64", "fe80::fc:ff:fe00:1/64"});
  CHECK(eth0.bondMaster == "");
  CHECK(eth0.bondMembers.empty());

  const auto& ifb0 = byName(interfaces, "ifb0");
  CHECK(ifb0.kind == "virtual");
  CHECK(ifb0.mac == "a2:c7:ac:75:2d:72");
  CHECK(ifb0.mtu == 1500);
  CHECK(ifb0.operState == "down");
  CHECK(ifb0.driver == "");
  CHECK_FALSE(ifb0.speedMbps);
  CHECK(ifb0.ipv4.empty());

  const auto& lo = byName(interfaces, "lo");
  CHECK(lo.kind == "loopback");
  CHECK(lo.mtu == 65536);
  CHECK(lo.operState == "unknown");
  CHECK(lo.ipv4 == Names{"127.0.0.1/8"});
  CHECK(lo.ipv6 == Names{"::1/128"});
  CHECK(warnings.empty());

  const DefaultRoute route = collectDefaultRoute(fixture("this-machine"), warnings);
  CHECK(route.interface == "eth0");
  CHECK(route.gatewayIpv4 == "192.0.2.1");
  CHECK(warnings.empty());
}

TEST_CASE("collectNetworkInterfaces: two-socket-server (bond of two 25G ports, k3s interfaces)", "[inventory][network]") {
  Warnings warnings;
  const auto interfaces = collectNetworkInterfaces(fixture("two-socket-server"), warnings);
  // The pod's veth is left out by design.
  REQUIRE(namesOf(interfaces) == Names{"bond0", "cni0", "eno1", "eth0", "eth1", "flannel.1", "lo"});

  const auto& bond = byName(interfaces, "bond0");
  CHECK(bond.kind == "bond");
  CHECK(bond.bondMembers == Names{"eth0", "eth1"});
  CHECK(bond.bondMaster == "");
  CHECK(bond.mac == "b8:ce:f6:12:34:56");
  CHECK(bond.mtu == 9000);
  CHECK(bond.speedMbps == 50000);
  CHECK(bond.operState == "up");
  CHECK(bond.driver == "");
  CHECK(bond.ipv4 == Names{"10.20.0.11/24"});
  CHECK(bond.ipv6 == Names{"fe80::bace:f6ff:fe12:3456/64", "2001:db8:20::11/64"});

  for (const char* name : {"eth0", "eth1"}) {
    INFO(name);
    const auto& port = byName(interfaces, name);
    CHECK(port.kind == "physical");
    CHECK(port.bondMaster == "bond0");
    CHECK(port.speedMbps == 25000);
    CHECK(port.mtu == 9000);
    CHECK(port.driver == "mlx5_core");
    CHECK(port.operState == "up");
    CHECK(port.mac == "b8:ce:f6:12:34:56");
    CHECK(port.ipv4.empty());
  }

  const auto& eno1 = byName(interfaces, "eno1");
  CHECK(eno1.kind == "physical");
  CHECK(eno1.operState == "down");
  CHECK_FALSE(eno1.speedMbps);  // unreadable while the link is down
  CHECK(eno1.driver == "tg3");

  const auto& cni0 = byName(interfaces, "cni0");
  CHECK(cni0.kind == "bridge");
  CHECK(cni0.ipv4 == Names{"10.42.0.1/24"});
  CHECK(cni0.ipv6 == Names{"fe80::289c:41ff:fe7e:1022/64"});
  CHECK(byName(interfaces, "flannel.1").kind == "virtual");
  CHECK(byName(interfaces, "flannel.1").ipv4 == Names{"10.42.0.0/32"});
  CHECK(byName(interfaces, "lo").kind == "loopback");
  CHECK(warnings.empty());

  // Two default routes: the lower metric wins.
  const DefaultRoute route = collectDefaultRoute(fixture("two-socket-server"), warnings);
  CHECK(route.interface == "bond0");
  CHECK(route.gatewayIpv4 == "10.20.0.1");
  CHECK(warnings.empty());
}

TEST_CASE("collectNetworkInterfaces: gpu-server", "[inventory][network]") {
  Warnings warnings;
  const auto interfaces = collectNetworkInterfaces(fixture("gpu-server"), warnings);
  REQUIRE(namesOf(interfaces) == Names{"eno1", "ens1f0np0", "lo"});
  const auto& cx6 = byName(interfaces, "ens1f0np0");
  CHECK(cx6.kind == "physical");
  CHECK(cx6.speedMbps == 100000);
  CHECK(cx6.driver == "mlx5_core");
  CHECK(cx6.mac == "0c:42:a1:5e:77:10");
  CHECK(cx6.ipv4 == Names{"172.16.8.21/22"});
  CHECK(cx6.ipv6 == Names{"fe80::e42:a1ff:fe5e:7710/64"});
  const auto& eno1 = byName(interfaces, "eno1");
  CHECK_FALSE(eno1.speedMbps);  // -1
  CHECK(eno1.driver == "igb");
  CHECK(warnings.empty());

  const DefaultRoute route = collectDefaultRoute(fixture("gpu-server"), warnings);
  CHECK(route.interface == "ens1f0np0");
  CHECK(route.gatewayIpv4 == "172.16.8.1");
}

TEST_CASE("collectNetworkInterfaces: odd inputs", "[inventory][network][odd]") {
  SECTION("no /sys/class/net") {
    ScratchSysroot scratch;
    Warnings warnings;
    CHECK(collectNetworkInterfaces(scratch.sysroot(), warnings).empty());
    CHECK(hasWarningContaining(warnings, "cannot list /sys/class/net"));
  }
  SECTION("garbage attributes, no IPv4 file under a sysroot") {
    ScratchSysroot scratch;
    scratch.write("/sys/devices/virtual/net/dummy0/mtu", "big\n");
    scratch.write("/sys/devices/virtual/net/dummy0/speed", "fast\n");
    scratch.write("/sys/devices/virtual/net/dummy0/type", "\n");
    scratch.link("/sys/class/net/dummy0", "../../devices/virtual/net/dummy0");
    scratch.write("/proc/net/if_inet6", "not an address line\n");
    Warnings warnings;
    const auto interfaces = collectNetworkInterfaces(scratch.sysroot(), warnings);
    REQUIRE(interfaces.size() == 1);
    CHECK(interfaces[0].mtu == 0);
    CHECK_FALSE(interfaces[0].speedMbps);
    CHECK(interfaces[0].kind == "virtual");
    CHECK(interfaces[0].ipv6.empty());
    CHECK(hasWarningContaining(warnings, "IPv4 addresses are only in netlink"));
  }
  SECTION("routes: none, garbage, no gateway") {
    ScratchSysroot scratch;
    Warnings warnings;
    CHECK(collectDefaultRoute(scratch.sysroot(), warnings).interface == "");
    CHECK(hasWarningContaining(warnings, "cannot read /proc/net/route"));

    warnings.clear();
    scratch.write("/proc/net/route", "Iface\tDestination\n garbage \n");
    CHECK(collectDefaultRoute(scratch.sysroot(), warnings).interface == "");
    CHECK(warnings.empty());  // no default route is a fact, not a read failure

    scratch.write("/proc/net/route",
                  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                  "wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n");
    const DefaultRoute route = collectDefaultRoute(scratch.sysroot(), warnings);
    CHECK(route.interface == "wg0");
    CHECK(route.gatewayIpv4 == "");
  }
}

TEST_CASE("collectNetworkInterfaces: on this machine, IPv4 comes from getifaddrs", "[inventory][network][host]") {
  // Not hermetic by nature: checks only what every Linux host has.
  Warnings warnings;
  const auto interfaces = collectNetworkInterfaces(Sysroot("/"), warnings);
  CHECK(byName(interfaces, "lo").kind == "loopback");
  CHECK_FALSE(hasWarningContaining(warnings, "getifaddrs"));
  CHECK_FALSE(hasWarningContaining(warnings, "IPv4"));
  for (const auto& nic : interfaces) {
    for (const auto& address : nic.ipv4) CHECK(address.find('/') != std::string::npos);
  }
}

}  // namespace
}  // namespace floe::agent
