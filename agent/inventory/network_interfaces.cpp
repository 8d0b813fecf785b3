// Network interfaces from /sys/class/net, addresses, and the IPv4 default route.
//
// IPv4 addresses have no file under /proc or /sys (only netlink has them), so:
//   * sysroot "/": getifaddrs(3);
//   * any other sysroot: the optional file run/floe-fixture/ipv4-addresses inside it,
//     one "<interface> <address>/<prefix>" per line ('#' starts a comment). Captured
//     trees write it (tests/fixtures/hosts/capture.sh); without it IPv4 is left empty
//     with a warning.
// IPv6 addresses come from /proc/net/if_inet6 in both cases.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kSysClassNet = "/sys/class/net";
constexpr std::string_view kIfInet6 = "/proc/net/if_inet6";
constexpr std::string_view kProcNetRoute = "/proc/net/route";
constexpr std::string_view kFixtureIpv4Addresses = "/run/floe-fixture/ipv4-addresses";
// Relative to /sys/class/net/<interface>.
constexpr std::string_view kAddress = "/address";
constexpr std::string_view kMtu = "/mtu";
constexpr std::string_view kSpeed = "/speed";  // Mbps; -1 or EINVAL when unknown or down
constexpr std::string_view kOperState = "/operstate";
constexpr std::string_view kType = "/type";        // ARPHRD_*
constexpr std::string_view kDevice = "/device";    // link to the bus device; absent on virtual ones
constexpr std::string_view kDriver = "/device/driver";
constexpr std::string_view kBonding = "/bonding";  // present on a bond
constexpr std::string_view kBondSlaves = "/bonding/slaves";
constexpr std::string_view kBondingSlave = "/bonding_slave";  // present on a bond member
constexpr std::string_view kBridge = "/bridge";               // present on a bridge
constexpr std::string_view kMaster = "/master";

constexpr int kArphrdLoopback = 772;
constexpr unsigned kRouteFlagUp = 0x1;       // RTF_UP
constexpr unsigned kRouteFlagGateway = 0x2;  // RTF_GATEWAY

// Per-pod interfaces on a Kubernetes node come and go with every pod: listing them
// would bloat the inventory and change it (and its hash) all day.
constexpr std::array<std::string_view, 3> kPerPodInterfacePrefixes = {"veth", "cali", "lxc"};

struct IfaddrsDeleter {
  void operator()(ifaddrs* list) const { ::freeifaddrs(list); }
};

using AddressesByInterface = std::map<std::string, std::vector<std::string>, std::less<>>;

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string readTrimmed(const Sysroot& sysroot, const std::string& path) {
  auto text = sysroot.readFile(path);
  return text ? std::string(parsers::trim(*text)) : std::string();
}

AddressesByInterface ipv4FromKernel(Warnings& warnings) {
  AddressesByInterface addresses;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) {
    addWarning(warnings, std::string("getifaddrs failed: ") + std::strerror(errno) + ": IPv4 addresses unknown");
    return addresses;
  }
  std::unique_ptr<ifaddrs, IfaddrsDeleter> list(raw);
  for (const ifaddrs* entry = list.get(); entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || entry->ifa_name == nullptr) continue;
    sockaddr_in address{};
    std::memcpy(&address, entry->ifa_addr, sizeof(address));
    char text[INET_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text)) == nullptr) continue;
    int prefix = 32;
    if (entry->ifa_netmask != nullptr) {
      sockaddr_in mask{};
      std::memcpy(&mask, entry->ifa_netmask, sizeof(mask));
      prefix = std::popcount(mask.sin_addr.s_addr);
    }
    // Alias labels ("eth0:1") belong to their interface.
    std::string_view name(entry->ifa_name);
    name = name.substr(0, name.find(':'));
    addresses[std::string(name)].push_back(std::string(text) + "/" + std::to_string(prefix));
  }
  return addresses;
}

AddressesByInterface ipv4FromFixture(const Sysroot& sysroot, Warnings& warnings) {
  AddressesByInterface addresses;
  auto text = sysroot.readFile(kFixtureIpv4Addresses);
  if (!text) {
    addWarning(warnings, "IPv4 addresses are only in netlink: not collected under sysroot " + sysroot.root() +
                             " (add run/floe-fixture/ipv4-addresses to it to provide them)");
    return addresses;
  }
  parsers::forEachLine(*text, [&](std::string_view line) {
    line = parsers::trim(line.substr(0, line.find('#')));
    auto fields = parsers::splitWhitespace(line);
    if (fields.size() == 2) addresses[std::string(fields[0])].emplace_back(fields[1]);
  });
  return addresses;
}

AddressesByInterface ipv6Addresses(const Sysroot& sysroot) {
  AddressesByInterface addresses;
  // Missing when IPv6 is disabled on the kernel command line: nothing to report then.
  if (auto text = sysroot.readFile(kIfInet6)) {
    for (const auto& address : parsers::parseIfInet6(*text)) {
      addresses[address.interface].push_back(address.address + "/" + std::to_string(address.prefixLength));
    }
  }
  return addresses;
}

}  // namespace

std::vector<NetworkInterface> collectNetworkInterfaces(const Sysroot& sysroot, Warnings& warnings) {
  std::vector<NetworkInterface> interfaces;
  const std::vector<std::string> names = sysroot.listDir(kSysClassNet);
  if (names.empty()) {
    addWarning(warnings, "cannot list /sys/class/net: network interfaces unknown");
    return interfaces;
  }
  AddressesByInterface ipv4 = sysroot.isHostRoot() ? ipv4FromKernel(warnings) : ipv4FromFixture(sysroot, warnings);
  AddressesByInterface ipv6 = ipv6Addresses(sysroot);

  int skippedPerPod = 0;
  for (const std::string& name : names) {
    if (std::any_of(kPerPodInterfacePrefixes.begin(), kPerPodInterfacePrefixes.end(),
                    [&](std::string_view prefix) { return startsWith(name, prefix); })) {
      ++skippedPerPod;
      continue;
    }
    const std::string dir = std::string(kSysClassNet) + "/" + name;
    NetworkInterface nic;
    nic.name = name;
    nic.mac = readTrimmed(sysroot, dir + std::string(kAddress));
    nic.mtu = static_cast<int>(parsers::parseInt(readTrimmed(sysroot, dir + std::string(kMtu))).value_or(0));
    if (auto speed = parsers::parseInt(readTrimmed(sysroot, dir + std::string(kSpeed))); speed && *speed > 0) {
      nic.speedMbps = *speed;
    }
    nic.operState = readTrimmed(sysroot, dir + std::string(kOperState));
    if (auto driver = sysroot.readLink(dir + std::string(kDriver))) nic.driver = std::string(linkBasename(*driver));

    const auto type = parsers::parseInt(readTrimmed(sysroot, dir + std::string(kType)));
    if (name == "lo" || type == kArphrdLoopback) {
      nic.kind = "loopback";
    } else if (sysroot.exists(dir + std::string(kBonding))) {
      nic.kind = "bond";
      if (auto slaves = sysroot.readFile(dir + std::string(kBondSlaves))) {
        for (std::string_view member : parsers::splitWhitespace(*slaves)) nic.bondMembers.emplace_back(member);
      }
    } else if (sysroot.exists(dir + std::string(kBridge))) {
      nic.kind = "bridge";
    } else if (!sysroot.exists(dir + std::string(kDevice))) {
      nic.kind = "virtual";
    } else {
      nic.kind = "physical";
    }
    if (sysroot.exists(dir + std::string(kBondingSlave))) {
      if (auto master = sysroot.readLink(dir + std::string(kMaster))) nic.bondMaster = std::string(linkBasename(*master));
    }
    if (auto it = ipv4.find(name); it != ipv4.end()) nic.ipv4 = std::move(it->second);
    if (auto it = ipv6.find(name); it != ipv6.end()) nic.ipv6 = std::move(it->second);
    interfaces.push_back(std::move(nic));
  }
  if (skippedPerPod > 0) spdlog::debug("inventory: skipped per-pod interfaces count={}", skippedPerPod);
  return interfaces;
}

DefaultRoute collectDefaultRoute(const Sysroot& sysroot, Warnings& warnings) {
  DefaultRoute route;
  auto text = sysroot.readFile(kProcNetRoute);
  if (!text) {
    addWarning(warnings, "cannot read /proc/net/route: default route unknown");
    return route;
  }
  std::optional<parsers::Ipv4Route> best;
  for (auto& candidate : parsers::parseIpv4Routes(*text)) {
    if (candidate.destination != 0 || candidate.mask != 0 || (candidate.flags & kRouteFlagUp) == 0) continue;
    if (!best || candidate.metric < best->metric) best = std::move(candidate);
  }
  if (best) {
    route.interface = best->interface;
    if ((best->flags & kRouteFlagGateway) != 0) route.gatewayIpv4 = parsers::ipv4RouteAddressToString(best->gateway);
  }
  return route;
}

}  // namespace floe::agent
