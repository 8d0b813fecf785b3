// A SystemProbe answering from fields a test sets, and an Inventory of a machine that
// passes every check, for tests to spoil one thing at a time.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/inventory/inventory.h"
#include "agent/preflight/system_probe.h"
#include "floe/common/status.h"

namespace floe::agent::testing {

inline constexpr uint64_t kTestGiB = uint64_t{1} << 30;

class FakeSystemProbe : public SystemProbe {
 public:
  uid_t euid = 0;
  std::set<uint16_t> tcpInUse;
  std::set<uint16_t> udpInUse;
  std::optional<Status> portError;  // when set, every port probe fails with it
  Result<TimeSyncState> time = TimeSyncState{true, 12'000};
  std::set<std::string, std::less<>> loadableModules;  // not loaded, but modprobe would find them
  std::set<std::string> resolvableHosts = {"worker-01"};
  std::optional<DiskSpace> disk = DiskSpace{"/var/lib/rancher", 120 * kTestGiB, 200 * kTestGiB};
  mutable std::vector<std::filesystem::path> freeSpaceAsked;

  uid_t effectiveUid() const override { return euid; }
  Result<PortState> tcpPortState(uint16_t port) const override { return portState(tcpInUse, port); }
  Result<PortState> udpPortState(uint16_t port) const override { return portState(udpInUse, port); }
  Result<TimeSyncState> timeSync() const override { return time; }
  bool kernelModuleAvailable(std::string_view module) const override {
    return loadableModules.find(module) != loadableModules.end();
  }
  bool resolves(const std::string& host) const override { return resolvableHosts.count(host) > 0; }
  std::optional<DiskSpace> freeSpace(const std::filesystem::path& path) const override {
    freeSpaceAsked.push_back(path);
    return disk;
  }

 private:
  Result<PortState> portState(const std::set<uint16_t>& inUse, uint16_t port) const {
    if (portError) return *portError;
    return inUse.count(port) > 0 ? PortState::kInUse : PortState::kFree;
  }
};

inline Inventory healthyInventory() {
  Inventory inventory;
  inventory.host.hostname = "worker-01";
  inventory.host.osId = "debian";
  inventory.host.osVersionId = "12";
  inventory.host.osPrettyName = "Debian GNU/Linux 12 (bookworm)";
  inventory.host.kernelRelease = "6.1.0-18-amd64";
  inventory.host.architecture = "x86_64";
  inventory.memory.totalBytes = 16 * kTestGiB;
  inventory.memory.availableBytes = 12 * kTestGiB;
  inventory.kernel.cgroupVersion = 2;
  inventory.kernel.cgroupControllers = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"};
  inventory.kernel.overlay = true;
  inventory.kernel.brNetfilter = true;
  inventory.kernel.ipForward = true;
  NetworkInterface eth0;
  eth0.name = "eth0";
  eth0.ipv4 = {"10.0.0.5/24"};
  inventory.network.push_back(eth0);
  inventory.defaultRouteInterface = "eth0";
  return inventory;
}

}  // namespace floe::agent::testing
