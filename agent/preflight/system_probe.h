// The parts of the live system the preflight checks ask about beyond the inventory:
// identity, ports, the clock, name resolution and free space. An interface so tests
// answer from a fake; SystemProbeImpl makes the real system calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "floe/common/status.h"

namespace floe::agent {

enum class PortState { kFree, kInUse };

struct TimeSyncState {
  bool synchronised = false;  // the kernel's STA_UNSYNC bit is clear
  int64_t maxErrorMicros = 0;  // the kernel's bound on the clock's error
};

struct DiskSpace {
  // The directory actually measured: the data dir, or its nearest existing parent.
  std::filesystem::path measuredPath;
  uint64_t availableBytes = 0;
  uint64_t totalBytes = 0;
};

class SystemProbe {
 public:
  virtual ~SystemProbe() = default;

  virtual uid_t effectiveUid() const = 0;
  // Whether a socket can bind `port`. kInUse means EADDRINUSE; any other failure is an
  // error Status (the port's state is then unknown).
  virtual Result<PortState> tcpPortState(uint16_t port) const = 0;
  virtual Result<PortState> udpPortState(uint16_t port) const = 0;
  virtual Result<TimeSyncState> timeSync() const = 0;
  // Whether the running kernel can load `module` (modprobe would find it): listed in
  // /lib/modules/$(uname -r)/modules.dep or modules.builtin. Loaded modules are in the
  // inventory; this answers for the ones not loaded yet.
  virtual bool kernelModuleAvailable(std::string_view module) const = 0;
  // Whether `host` resolves through the system resolver (/etc/hosts, DNS, ...).
  virtual bool resolves(const std::string& host) const = 0;
  // Space on the filesystem holding `path`, measured at its nearest existing
  // ancestor when it does not exist yet; nullopt when nothing could be measured.
  virtual std::optional<DiskSpace> freeSpace(const std::filesystem::path& path) const = 0;
};

class SystemProbeImpl : public SystemProbe {
 public:
  // `bindAddress` is the IPv4 address the port probes bind: every address, as k3s
  // does, in production; 127.0.0.1 in tests.
  explicit SystemProbeImpl(std::string bindAddress = "0.0.0.0") : bindAddress_(std::move(bindAddress)) {}

  uid_t effectiveUid() const override;
  Result<PortState> tcpPortState(uint16_t port) const override;
  Result<PortState> udpPortState(uint16_t port) const override;
  Result<TimeSyncState> timeSync() const override;
  bool kernelModuleAvailable(std::string_view module) const override;
  bool resolves(const std::string& host) const override;
  std::optional<DiskSpace> freeSpace(const std::filesystem::path& path) const override;

 private:
  std::string bindAddress_;
};

// Whether a modules.dep or modules.builtin text lists `module`
// ("kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz ..." lists
// br_netfilter). '-' and '_' are the same in module names, as modprobe treats them.
bool moduleListContains(std::string_view modulesList, std::string_view module);

}  // namespace floe::agent
