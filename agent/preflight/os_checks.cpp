// The operating system, kernel version and CPU architecture, from the inventory.
#include <array>
#include <string>
#include <string_view>

#include "agent/preflight/checks.h"

namespace floe::agent {
namespace {

struct SupportedOs {
  std::string_view id;    // os-release ID
  std::string_view name;  // for people
  std::array<int, 2> minimumVersion;  // {0, 0}: every version
};

// What floe is tested on; anything else may well work, so it is a warning.
constexpr std::array<SupportedOs, 7> kSupportedOs = {{
    {"debian", "Debian", {11, 0}},
    {"ubuntu", "Ubuntu", {20, 4}},
    {"rhel", "RHEL", {8, 0}},
    {"rocky", "Rocky Linux", {8, 0}},
    {"almalinux", "AlmaLinux", {8, 0}},
    {"sles", "SLES", {15, 0}},
    {"fedora", "Fedora", {0, 0}},
}};
constexpr std::string_view kSupportedOsList =
    "Debian >= 11, Ubuntu >= 20.04, RHEL/Rocky/AlmaLinux >= 8, SLES >= 15, Fedora";

constexpr std::array<int, 2> kMinimumKernel = {4, 15};

constexpr std::array<std::string_view, 2> kSupportedArchitectures = {"x86_64", "aarch64"};

std::string versionText(const std::array<int, 2>& version) {
  // Ubuntu's minor version is written with two digits: 20.04.
  if (version[1] == 0) return std::to_string(version[0]);
  const std::string minor = std::to_string(version[1]);
  return std::to_string(version[0]) + "." + (minor.size() == 1 ? "0" + minor : minor);
}

// "Debian GNU/Linux 12 (bookworm), os-release ID=debian VERSION_ID=12,"
std::string describeOs(const HostInfo& host) {
  std::string description = host.osPrettyName.empty() ? host.osId : host.osPrettyName;
  description += ", os-release ID=" + host.osId;
  if (!host.osVersionId.empty()) description += " VERSION_ID=" + host.osVersionId;
  return description + ",";
}

}  // namespace

CheckResult checkOsSupported(const PreflightContext& ctx) {
  const HostInfo& host = ctx.inventory.host;
  if (host.osId.empty()) {
    return kOsSupportedCheck.warn("the OS could not be identified (no ID in /etc/os-release)",
                                  "supported: " + std::string(kSupportedOsList));
  }
  const SupportedOs* supported = nullptr;
  for (const SupportedOs& os : kSupportedOs) {
    if (os.id == host.osId) supported = &os;
  }
  const std::string described = describeOs(host);
  if (supported == nullptr) {
    return kOsSupportedCheck.failed(
        described + " is not a supported OS (supported: " + std::string(kSupportedOsList) + ")",
        "floe may work here but is not tested on it; use a supported distribution for production");
  }
  const std::vector<int> minimum(supported->minimumVersion.begin(), supported->minimumVersion.end());
  if (minimum == std::vector<int>{0, 0}) return kOsSupportedCheck.pass(described + " is supported");
  const std::string requirement = std::string(supported->name) + " >= " + versionText(supported->minimumVersion);
  if (host.osVersionId.empty()) {
    // Debian testing and unstable carry no VERSION_ID: they are newer than any release.
    if (host.osId == "debian") {
      return kOsSupportedCheck.pass(described + " is Debian testing or unstable, newer than " + requirement);
    }
    return kOsSupportedCheck.warn(described + " has no VERSION_ID, so its version could not be checked against " +
                                      requirement,
                                  "check that /etc/os-release carries VERSION_ID");
  }
  const std::vector<int> version = parseVersionNumbers(host.osVersionId);
  if (version.empty()) {
    return kOsSupportedCheck.warn(described + " has a VERSION_ID that is not a version number, so it could "
                                              "not be checked against " + requirement,
                                  "check /etc/os-release");
  }
  if (!versionAtLeast(version, minimum)) {
    return kOsSupportedCheck.failed(described + " is older than the supported " + requirement,
                                    "upgrade to " + requirement +
                                        "; floe may work here but is not tested on it");
  }
  return kOsSupportedCheck.pass(described + " is supported (" + requirement + ")");
}

CheckResult checkKernelVersion(const PreflightContext& ctx) {
  const std::string& release = ctx.inventory.host.kernelRelease;
  const std::vector<int> version = parseVersionNumbers(release);
  const std::string minimum = std::to_string(kMinimumKernel[0]) + "." + std::to_string(kMinimumKernel[1]);
  if (version.size() < 2) {
    return kKernelVersionCheck.warn(
        release.empty() ? "the kernel release could not be read, so it was not checked"
                        : "the kernel release \"" + release + "\" is not a version number, so it was not checked",
        "check `uname -r`: floe needs Linux " + minimum + " or newer");
  }
  if (!versionAtLeast(version, {kMinimumKernel[0], kMinimumKernel[1]})) {
    return kKernelVersionCheck.failed(
        "kernel " + release + " is older than " + minimum + ", the oldest floe supports",
        "install a kernel " + minimum + " or newer (the distribution's current kernel package) and reboot");
  }
  return kKernelVersionCheck.pass("kernel " + release + " is " + minimum + " or newer");
}

CheckResult checkArchitecture(const PreflightContext& ctx) {
  const std::string& architecture = ctx.inventory.host.architecture;
  if (architecture.empty()) {
    return kArchitectureCheck.warn("the CPU architecture could not be read, so it was not checked",
                                   "check `uname -m`: floe runs on x86_64 and aarch64");
  }
  for (std::string_view supported : kSupportedArchitectures) {
    if (architecture == supported) return kArchitectureCheck.pass("architecture " + architecture + " is supported");
  }
  return kArchitectureCheck.failed(
      "architecture " + architecture + " is not supported: floe ships k3s and its images for x86_64 and "
                                       "aarch64 only",
      "use an x86_64 or aarch64 machine (a 64-bit ARM board needs a 64-bit OS)");
}

}  // namespace floe::agent
