// Who this machine is: hostname, machine-id, OS, kernel, DMI and virtualization.
//
// Architecture: /proc/sys/kernel/arch (Linux 6.1+) is what uname(2) reports as
// `machine`, and being a file it works under a sysroot. When it is missing, uname()
// is asked only when the sysroot is "/" (it describes the running kernel, not a tree).
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kHostname = "/proc/sys/kernel/hostname";
constexpr std::string_view kMachineId = "/etc/machine-id";
constexpr std::array<std::string_view, 2> kOsReleasePaths = {"/etc/os-release", "/usr/lib/os-release"};
constexpr std::string_view kKernelRelease = "/proc/sys/kernel/osrelease";
constexpr std::string_view kKernelArch = "/proc/sys/kernel/arch";
constexpr std::string_view kProcStat = "/proc/stat";
constexpr std::string_view kDmiDir = "/sys/class/dmi/id";
constexpr std::string_view kDmiSysVendor = "/sys/class/dmi/id/sys_vendor";
constexpr std::string_view kDmiProductName = "/sys/class/dmi/id/product_name";
constexpr std::string_view kDmiProductSerial = "/sys/class/dmi/id/product_serial";
constexpr std::string_view kDmiBoardVendor = "/sys/class/dmi/id/board_vendor";
constexpr std::string_view kHypervisorType = "/sys/hypervisor/type";
constexpr std::string_view kClocksources = "/sys/devices/system/clocksource/clocksource0/available_clocksource";
constexpr std::string_view kPodmanMarker = "/run/.containerenv";
constexpr std::string_view kDockerMarker = "/.dockerenv";
constexpr std::string_view kSystemdContainer = "/run/systemd/container";
constexpr std::string_view kInitEnviron = "/proc/1/environ";  // root only
constexpr std::string_view kInitCgroup = "/proc/1/cgroup";

// /proc/cpuinfo vendor_id values of x86-64 CPUs.
constexpr std::array<std::string_view, 4> kX86Vendors = {"GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls"};

// DMI vendor/product substrings that name a hypervisor (as systemd-detect-virt does).
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kDmiHypervisors = {{
    {"KVM", "kvm"},
    {"OpenStack", "kvm"},
    {"QEMU", "qemu"},
    {"VMware", "vmware"},
    {"VMW", "vmware"},
    {"innotek GmbH", "oracle"},
    {"VirtualBox", "oracle"},
    {"Xen", "xen"},
    {"Amazon EC2", "amazon"},
    {"Google Compute Engine", "google"},
    {"Parallels", "parallels"},
    {"BHYVE", "bhyve"},
}};

// Container managers as they show up in PID 1's cgroup path (cgroup v1, or v2 without
// a cgroup namespace).
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kCgroupContainers = {{
    {"kubepods", "kubernetes"},
    {"libpod", "podman"},
    {"docker", "docker"},
    {"lxc", "lxc"},
    {"containerd", "containerd"},
}};

std::string readTrimmed(const Sysroot& sysroot, std::string_view path) {
  auto text = sysroot.readFile(path);
  return text ? std::string(parsers::trim(*text)) : std::string();
}

void collectOsRelease(const Sysroot& sysroot, HostInfo& host, Warnings& warnings) {
  for (std::string_view path : kOsReleasePaths) {
    auto text = sysroot.readFile(path);
    if (!text) continue;
    auto values = parsers::parseOsRelease(*text);
    auto get = [&](std::string_view key) {
      auto it = values.find(key);
      return it == values.end() ? std::string() : it->second;
    };
    host.osId = get("ID");
    host.osVersionId = get("VERSION_ID");
    host.osPrettyName = get("PRETTY_NAME");
    if (host.osPrettyName.empty()) host.osPrettyName = get("NAME");
    if (host.osId.empty()) addWarning(warnings, std::string(path) + " has no ID: OS unknown");
    return;
  }
  addWarning(warnings, "cannot read /etc/os-release or /usr/lib/os-release: OS unknown");
}

std::string collectArchitecture(const Sysroot& sysroot, const CpuInfo& cpu, Warnings& warnings) {
  std::string arch = readTrimmed(sysroot, kKernelArch);
  if (!arch.empty()) return arch;
  if (sysroot.isHostRoot()) {
    struct utsname names {};
    if (::uname(&names) == 0) return names.machine;
  }
  // A tree from a kernel older than /proc/sys/kernel/arch: the CPU tells the two
  // architectures floe ships for apart (a 32-bit kernel on such a CPU would be misnamed).
  if (std::find(kX86Vendors.begin(), kX86Vendors.end(), cpu.vendor) != kX86Vendors.end()) return "x86_64";
  if (std::find(cpu.flags.begin(), cpu.flags.end(), "asimd") != cpu.flags.end()) return "aarch64";
  addWarning(warnings, "cannot read /proc/sys/kernel/arch: architecture unknown");
  return {};
}

std::optional<int64_t> collectBootTime(const Sysroot& sysroot, Warnings& warnings) {
  std::optional<int64_t> bootTime;
  if (auto text = sysroot.readFile(kProcStat)) {
    parsers::forEachLine(*text, [&](std::string_view line) {
      if (!bootTime && line.substr(0, 6) == "btime ") bootTime = parsers::parseInt(line.substr(6));
    });
  }
  if (!bootTime) addWarning(warnings, "cannot read btime from /proc/stat: boot time unknown");
  return bootTime;
}

void collectDmi(const Sysroot& sysroot, HostInfo& host, Warnings& warnings) {
  if (!sysroot.exists(kDmiDir)) {
    // Usual on VMs without SMBIOS (Firecracker) and on many arm64 boards.
    addWarning(warnings, "no DMI information (/sys/class/dmi/id missing): vendor, product and serial unknown");
    return;
  }
  const std::pair<std::string_view, std::string*> fields[] = {
      {kDmiSysVendor, &host.dmiVendor}, {kDmiProductName, &host.dmiProduct}, {kDmiProductSerial, &host.dmiSerial}};
  for (const auto& [path, target] : fields) {
    auto text = sysroot.readFile(path);
    if (!text) {
      addWarning(warnings, "cannot read " + std::string(path) +
                               (path == kDmiProductSerial ? " (readable by root only)" : ""));
      continue;
    }
    *target = std::string(parsers::trim(*text));
  }
}

std::string detectContainer(const Sysroot& sysroot) {
  if (sysroot.exists(kPodmanMarker)) return "podman";
  if (sysroot.exists(kDockerMarker)) return "docker";
  if (std::string name = readTrimmed(sysroot, kSystemdContainer); !name.empty()) return name;
  if (auto environ = sysroot.readFile(kInitEnviron)) {
    std::string_view rest = *environ;
    while (!rest.empty()) {
      std::string_view entry = rest.substr(0, rest.find('\0'));
      if (entry.substr(0, 10) == "container=" && entry.size() > 10) return std::string(entry.substr(10));
      if (entry.size() >= rest.size()) break;
      rest.remove_prefix(entry.size() + 1);
    }
  }
  if (auto cgroup = sysroot.readFile(kInitCgroup)) {
    for (const auto& [marker, name] : kCgroupContainers) {
      if (cgroup->find(marker) != std::string::npos) return std::string(name);
    }
  }
  return {};
}

// "" when no hypervisor is visible. `hypervisorFlag`: nullopt when /proc/cpuinfo was
// unreadable, so DMI alone has to decide.
std::string detectHypervisor(const Sysroot& sysroot, const HostInfo& host, std::optional<bool> hypervisorFlag) {
  // Bare-metal cloud instances keep their cloud's DMI vendor ("Amazon EC2"), so DMI
  // only names the hypervisor once the CPU says there is one.
  if (hypervisorFlag == false) return {};
  const std::string clocksources = readTrimmed(sysroot, kClocksources);
  const bool kvmClock = clocksources.find("kvm-clock") != std::string::npos;
  const std::string boardVendor = readTrimmed(sysroot, kDmiBoardVendor);
  for (const std::string* dmi : {&host.dmiVendor, &host.dmiProduct, &boardVendor}) {
    if (dmi->empty()) continue;
    if (*dmi == "Microsoft Corporation" && host.dmiProduct == "Virtual Machine") return "hyperv";
    for (const auto& [marker, name] : kDmiHypervisors) {
      if (dmi->find(marker) == std::string::npos) continue;
      // QEMU's machine types with KVM acceleration are KVM guests.
      if (name == "qemu" && kvmClock) return "kvm";
      return std::string(name);
    }
  }
  if (std::string type = readTrimmed(sysroot, kHypervisorType); !type.empty()) return type;  // "xen"
  if (kvmClock) return "kvm";
  if (clocksources.find("hyperv_clocksource") != std::string::npos) return "hyperv";
  if (clocksources.find("xen") != std::string::npos) return "xen";
  return hypervisorFlag == true ? "vm-other" : "";
}

}  // namespace

HostInfo collectHostInfo(const Sysroot& sysroot, const CpuInfo& cpu, Warnings& warnings) {
  HostInfo host;
  host.hostname = readTrimmed(sysroot, kHostname);
  if (host.hostname.empty()) addWarning(warnings, "cannot read /proc/sys/kernel/hostname: hostname unknown");
  host.machineId = readTrimmed(sysroot, kMachineId);
  if (host.machineId.empty()) {
    addWarning(warnings, "cannot read /etc/machine-id or it is empty: run systemd-machine-id-setup");
  }
  collectOsRelease(sysroot, host, warnings);
  host.kernelRelease = readTrimmed(sysroot, kKernelRelease);
  if (host.kernelRelease.empty()) addWarning(warnings, "cannot read /proc/sys/kernel/osrelease: kernel release unknown");
  host.architecture = collectArchitecture(sysroot, cpu, warnings);
  host.bootTimeUnix = collectBootTime(sysroot, warnings);
  collectDmi(sysroot, host, warnings);

  // x86 CPUs in a VM carry the "hypervisor" flag; other architectures have no such flag,
  // and collectCpuInfo leaves the model empty only when /proc/cpuinfo was unreadable.
  std::optional<bool> hypervisorFlag;
  const bool x86 = host.architecture == "x86_64" ||
                   (host.architecture.size() == 4 && host.architecture[0] == 'i' && host.architecture.substr(2) == "86");
  if (x86 && (!cpu.model.empty() || !cpu.flags.empty())) {
    hypervisorFlag = std::find(cpu.flags.begin(), cpu.flags.end(), "hypervisor") != cpu.flags.end();
  }
  host.containerRuntime = detectContainer(sysroot);
  host.hypervisor = detectHypervisor(sysroot, host, hypervisorFlag);
  if (!host.containerRuntime.empty()) {
    host.virtualization = "container";
  } else if (!host.hypervisor.empty()) {
    host.virtualization = host.hypervisor;
  } else if (hypervisorFlag.has_value()) {
    host.virtualization = "none";
  }
  return host;
}

}  // namespace floe::agent
