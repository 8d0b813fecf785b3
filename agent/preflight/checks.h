// The individual preflight checks, one function per check id, grouped in files by what
// they look at (os_checks.cpp, kernel_checks.cpp, port_checks.cpp, resource_checks.cpp,
// identity_checks.cpp). runPreflightChecks (registry.cpp) runs them in a fixed order;
// tests call them one by one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/preflight/preflight.h"

namespace floe::agent {

// A check's identity. Its result builders make the severity rule hold: a failure of a
// warn-severity check is reported as a warning, never as kFail.
struct CheckSpec {
  std::string_view id;
  Severity severity;

  CheckResult pass(std::string observed) const;
  // The check's condition is not met.
  CheckResult failed(std::string observed, std::string hint) const;
  // Advisory, or the input could not be observed: never blocks.
  CheckResult warn(std::string observed, std::string hint) const;
};

inline constexpr CheckSpec kRootCheck{"root", Severity::kFail};
inline constexpr CheckSpec kOsSupportedCheck{"os-supported", Severity::kWarn};
inline constexpr CheckSpec kKernelVersionCheck{"kernel-version", Severity::kFail};
inline constexpr CheckSpec kArchitectureCheck{"architecture", Severity::kFail};
inline constexpr CheckSpec kCgroupsCheck{"cgroups", Severity::kFail};
inline constexpr CheckSpec kSwapCheck{"swap", Severity::kWarn};
inline constexpr CheckSpec kKernelModulesCheck{"kernel-modules", Severity::kFail};
inline constexpr CheckSpec kIpForwardCheck{"sysctl-ip-forward", Severity::kWarn};
inline constexpr CheckSpec kApiServerPortCheck{"port-6443-tcp", Severity::kFail};
inline constexpr CheckSpec kKubeletPortCheck{"port-10250-tcp", Severity::kFail};
inline constexpr CheckSpec kFlannelPortCheck{"port-8472-udp", Severity::kFail};
inline constexpr CheckSpec kTimeSyncCheck{"time-sync", Severity::kWarn};
inline constexpr CheckSpec kHostnameCheck{"hostname", Severity::kFail};
inline constexpr CheckSpec kDiskSpaceCheck{"disk-space", Severity::kFail};
inline constexpr CheckSpec kMemoryCheck{"memory", Severity::kFail};

inline constexpr uint64_t kGiB = uint64_t{1} << 30;
inline constexpr uint64_t kMinDataDirFreeBytes = 20 * kGiB;
inline constexpr uint64_t kRecommendedMemoryBytes = 2 * kGiB;
inline constexpr uint64_t kMinMemoryBytes = 1 * kGiB;

// identity_checks.cpp
CheckResult checkRoot(const PreflightContext& ctx);
CheckResult checkHostname(const PreflightContext& ctx);
CheckResult checkTimeSync(const PreflightContext& ctx);

// os_checks.cpp
CheckResult checkOsSupported(const PreflightContext& ctx);
CheckResult checkKernelVersion(const PreflightContext& ctx);
CheckResult checkArchitecture(const PreflightContext& ctx);

// kernel_checks.cpp
CheckResult checkCgroups(const PreflightContext& ctx);
CheckResult checkKernelModules(const PreflightContext& ctx);
CheckResult checkIpForward(const PreflightContext& ctx);

// port_checks.cpp: 6443/tcp (the k3s API server and its supervisor), 10250/tcp (the
// kubelet), 8472/udp (flannel VXLAN).
CheckResult checkApiServerPort(const PreflightContext& ctx);
CheckResult checkKubeletPort(const PreflightContext& ctx);
CheckResult checkFlannelPort(const PreflightContext& ctx);

// resource_checks.cpp
CheckResult checkSwap(const PreflightContext& ctx);
CheckResult checkDiskSpace(const PreflightContext& ctx);
CheckResult checkMemory(const PreflightContext& ctx);

// Helpers shared by the checks, exposed for tests.

// "12.3 GiB", "512.0 MiB", "900 bytes": rounded down, unlike the inventory's formatBytes,
// so a figure just under a threshold never prints as the threshold itself.
std::string formatBytesFloor(uint64_t bytes);
// Leading numeric components: "6.1.0-18-amd64" -> {6,1,0}, "20.04" -> {20,4},
// "15-SP5" -> {15}; empty when it does not start with a number.
std::vector<int> parseVersionNumbers(std::string_view text);
// Compares component-wise, missing components counting as 0.
bool versionAtLeast(const std::vector<int>& version, const std::vector<int>& minimum);
// RFC 1123: dot-separated labels of letters, digits and inner hyphens, 1-63 each,
// 253 in all. Case is not checked here.
bool isValidDnsName(std::string_view name);

}  // namespace floe::agent
