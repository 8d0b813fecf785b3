// GPUs and accelerators from /sys/bus/pci/devices, named from pci.ids.
//
// Memory size: the BAR sizes in `resource` say how much is mapped, not how much the
// card has, and the NVIDIA driver's /proc/driver/nvidia/gpus/<addr>/information does
// not print it (it has the model name, used here). Without NVML (which would mean
// loading the driver's user-space library) memoryBytes is left empty.
#include <array>
#include <map>
#include <string>
#include <string_view>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kPciDevices = "/sys/bus/pci/devices";
constexpr std::array<std::string_view, 2> kPciIdsPaths = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};
constexpr std::string_view kNvidiaVersion = "/proc/driver/nvidia/version";
constexpr std::string_view kNvidiaGpusDir = "/proc/driver/nvidia/gpus";  // + /<addr>/information
// Relative to /sys/bus/pci/devices/<addr>.
constexpr std::string_view kClass = "/class";
constexpr std::string_view kVendor = "/vendor";
constexpr std::string_view kDevice = "/device";
constexpr std::string_view kDriver = "/driver";
constexpr std::string_view kNumaNode = "/numa_node";

constexpr std::string_view kNvidiaVendorId = "0x10de";
// PCI class/subclass of VGA (0x0300), 3D (0x0302, datacenter GPUs without display),
// other display controllers (0x0380, e.g. AMD Instinct) and processing accelerators (0x1200).
constexpr std::array<std::string_view, 4> kGpuClassPrefixes = {"0x0300", "0x0302", "0x0380", "0x1200"};

std::string readTrimmed(const Sysroot& sysroot, const std::string& path) {
  auto text = sysroot.readFile(path);
  return text ? std::string(parsers::trim(*text)) : std::string();
}

// "0x10DE" -> "10de", as pci.ids spells ids.
std::string pciIdsKey(std::string_view id) {
  if (id.substr(0, 2) == "0x") id.remove_prefix(2);
  std::string key(id);
  for (char& c : key) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

}  // namespace

std::vector<GpuDevice> collectGpuDevices(const Sysroot& sysroot, Warnings& warnings) {
  std::vector<GpuDevice> gpus;
  const std::vector<std::string> addresses = sysroot.listDir(kPciDevices);
  if (addresses.empty()) {
    // No PCI at all is normal on some VMs and arm boards; not worth a warning, and a
    // missing sysfs is already reported by the disk and network collectors.
    return gpus;
  }
  for (const std::string& address : addresses) {
    const std::string dir = std::string(kPciDevices) + "/" + address;
    std::string classCode = readTrimmed(sysroot, dir + std::string(kClass));
    bool isGpu = false;
    for (std::string_view prefix : kGpuClassPrefixes) isGpu = isGpu || classCode.substr(0, prefix.size()) == prefix;
    if (!isGpu) continue;
    GpuDevice gpu;
    gpu.pciAddress = address;
    gpu.classCode = std::move(classCode);
    gpu.vendorId = readTrimmed(sysroot, dir + std::string(kVendor));
    gpu.deviceId = readTrimmed(sysroot, dir + std::string(kDevice));
    if (auto driver = sysroot.readLink(dir + std::string(kDriver))) gpu.driver = std::string(linkBasename(*driver));
    if (auto node = parsers::parseInt(readTrimmed(sysroot, dir + std::string(kNumaNode))); node && *node >= 0) {
      gpu.numaNode = static_cast<int>(*node);
    }
    gpus.push_back(std::move(gpu));
  }
  if (gpus.empty()) return gpus;

  // pci.ids is ~1.3 MB: mapped only when there is something to name, and only once.
  std::optional<MappedFile> pciIds;
  for (std::string_view path : kPciIdsPaths) {
    if ((pciIds = sysroot.mapFile(path))) break;
  }
  if (!pciIds) {
    addWarning(warnings, "no pci.ids (/usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids): GPU names unknown; "
                         "install the pci.ids (Debian, Ubuntu) or hwdata (RHEL) package to name them");
  }

  std::string nvidiaVersion;
  bool nvidiaVersionRead = false;
  // GPU servers carry several cards of one model: look each model up once.
  std::map<std::string, parsers::PciNames> namesByModel;
  for (GpuDevice& gpu : gpus) {
    if (pciIds) {
      const std::string key = gpu.vendorId + ":" + gpu.deviceId;
      auto it = namesByModel.find(key);
      if (it == namesByModel.end()) {
        it = namesByModel.emplace(key, parsers::lookupPciNames(pciIds->view(), pciIdsKey(gpu.vendorId), pciIdsKey(gpu.deviceId)))
                 .first;
      }
      gpu.vendorName = it->second.vendor;
      gpu.deviceName = it->second.device;
    }
    if (gpu.vendorId != kNvidiaVendorId) continue;
    if (!nvidiaVersionRead) {
      nvidiaVersionRead = true;
      if (auto text = sysroot.readFile(kNvidiaVersion)) {
        nvidiaVersion = parsers::parseNvidiaDriverVersion(*text);
      } else if (gpu.driver == "nvidia") {
        addWarning(warnings, "cannot read /proc/driver/nvidia/version: NVIDIA driver version unknown");
      }
    }
    gpu.nvidiaDriverVersion = nvidiaVersion;
    const std::string information = std::string(kNvidiaGpusDir) + "/" + gpu.pciAddress + "/information";
    if (auto text = sysroot.readFile(information)) {
      // The driver's marketing name ("NVIDIA A100-SXM4-40GB") is more exact than pci.ids'.
      auto model = parsers::findValue(parsers::parseColonSeparated(*text), "Model");
      if (model && !model->empty()) gpu.deviceName = std::string(*model);
    }
  }
  return gpus;
}

}  // namespace floe::agent
