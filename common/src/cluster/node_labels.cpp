#include "floe/cluster/node_labels.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace floe::cluster {
namespace {

using nlohmann::json;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr const char* kNvidiaVendor = "0x10de";
constexpr const char* kAmdVendor = "0x1002";

// /proc/cpuinfo flag -> Node Feature Discovery's cpuid name (the ones a scheduler or a
// Spark image cares about; NFD publishes many more).
const std::map<std::string, std::string, std::less<>>& cpuidNames() {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"aes", "AESNI"},       {"avx", "AVX"},         {"avx2", "AVX2"},
      {"avx512f", "AVX512F"}, {"avx512bw", "AVX512BW"}, {"avx512vl", "AVX512VL"},
      {"f16c", "F16C"},       {"fma", "FMA3"},        {"sha_ni", "SHA"},
      {"vaes", "VAES"},       {"amx_tile", "AMXTILE"},
  };
  return names;
}

// Mount points that belong to the operating system, never to a data disk.
bool isSystemMount(std::string_view mountPoint) {
  static const std::set<std::string, std::less<>> system = {"/", "/boot", "/boot/efi", "/usr", "/var", "[SWAP]"};
  return system.count(mountPoint) > 0;
}

std::string stringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double numberField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

bool boolField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

const json& arrayField(const json& object, const char* key) {
  static const json empty = json::array();
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : empty;
}

const json& objectField(const json& object, const char* key) {
  static const json empty = json::object();
  if (!object.is_object()) return empty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : empty;
}

bool mountsTouchSystem(const json& mounts) {
  return std::any_of(mounts.begin(), mounts.end(),
                     [](const json& m) { return m.is_object() && isSystemMount(stringField(m, "mount_point")); });
}

// A data disk is a whole, writable, fixed disk that the operating system does not live
// on: either free (the agent found nothing on it) or mounted only outside the system
// paths. A disk held by device-mapper or md is not counted: what lives on the holder
// (often the root LVM volume) is not visible from the disk.
bool isDataDisk(const json& disk) {
  if (!disk.is_object() || boolField(disk, "removable") || boolField(disk, "read_only")) return false;
  if (boolField(disk, "looks_like_free_data_disk")) return true;
  if (!arrayField(disk, "holders").empty() || mountsTouchSystem(arrayField(disk, "mounts"))) return false;
  bool mountedSomewhere = !arrayField(disk, "mounts").empty();
  for (const auto& partition : arrayField(disk, "partitions")) {
    if (!partition.is_object()) continue;
    if (!arrayField(partition, "holders").empty() || mountsTouchSystem(arrayField(partition, "mounts"))) return false;
    mountedSomewhere = mountedSomewhere || !arrayField(partition, "mounts").empty();
  }
  return mountedSomewhere;
}

// Display (0x0300) and 3D (0x0302) controllers from vendors whose GPUs run compute
// workloads; a server's BMC graphics (ASPEED, Matrox) is not a GPU to schedule on.
bool isComputeGpu(const json& gpu) {
  if (!gpu.is_object()) return false;
  std::string vendor = stringField(gpu, "vendor_id");
  std::string cls = stringField(gpu, "class_code");
  bool gpuClass = cls.rfind("0x0300", 0) == 0 || cls.rfind("0x0302", 0) == 0;
  return gpuClass && (vendor == kNvidiaVendor || vendor == kAmdVendor);
}

// "0x030200" + "0x10de" -> "0302_10de", NFD's default pci label (device class + vendor).
std::string pciLabelName(const json& device) {
  std::string cls = stringField(device, "class_code");
  std::string vendor = stringField(device, "vendor_id");
  if (cls.size() < 6 || vendor.size() < 6) return {};
  return cls.substr(2, 4) + "_" + vendor.substr(2, 4);
}

// "5.14.0-362.8.1.el9_3.x86_64" -> {"5", "14", "0"}; NFD's kernel-version.* labels.
std::vector<std::string> leadingNumbers(std::string_view text, size_t count) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      current.push_back(c);
      continue;
    }
    if (current.empty()) break;
    parts.push_back(current);
    current.clear();
    if (parts.size() == count || c != '.') break;
  }
  if (!current.empty() && parts.size() < count) parts.push_back(current);
  return parts;
}

void addCpuLabels(const json& cpu, NodeLabelling& out) {
  auto cores = static_cast<long long>(numberField(cpu, "cores"));
  auto threads = static_cast<long long>(numberField(cpu, "threads"));
  if (cores <= 0) cores = threads;
  if (cores > 0) out.labels["floe.io/cpu-cores"] = std::to_string(cores);
  std::string vendor = stringField(cpu, "vendor");
  if (vendor == "GenuineIntel") out.labels["feature.node.kubernetes.io/cpu-model.vendor_id"] = "Intel";
  if (vendor == "AuthenticAMD") out.labels["feature.node.kubernetes.io/cpu-model.vendor_id"] = "AMD";
  if (threads > cores && cores > 0) out.labels["feature.node.kubernetes.io/cpu-hardware_multithreading"] = "true";
  for (const auto& flag : arrayField(cpu, "flags")) {
    if (!flag.is_string()) continue;
    auto name = cpuidNames().find(flag.get<std::string>());
    if (name != cpuidNames().end()) out.labels["feature.node.kubernetes.io/cpu-cpuid." + name->second] = "true";
  }
  if (arrayField(cpu, "numa_nodes").size() > 1) out.labels["feature.node.kubernetes.io/memory-numa"] = "true";
}

void addDiskLabels(const json& disks, NodeLabelling& out) {
  bool nvme = false;
  bool nonRotational = false;
  int dataDisks = 0;
  for (const auto& disk : disks) {
    if (!disk.is_object()) continue;
    nvme = nvme || stringField(disk, "transport") == "nvme";
    nonRotational = nonRotational || (disk.contains("rotational") && !boolField(disk, "rotational"));
    if (isDataDisk(disk)) ++dataDisks;
  }
  out.labels["floe.io/disk-nvme"] = nvme ? "true" : "false";
  out.labels["floe.io/data-disks"] = std::to_string(dataDisks);
  if (nonRotational) out.labels["feature.node.kubernetes.io/storage-nonrotationaldisk"] = "true";
}

void addGpuLabels(const json& gpus, NodeLabelling& out) {
  int count = 0;
  bool nvidia = false;
  std::string model;
  for (const auto& gpu : gpus) {
    if (!isComputeGpu(gpu)) continue;
    ++count;
    nvidia = nvidia || stringField(gpu, "vendor_id") == kNvidiaVendor;
    if (model.empty()) model = stringField(gpu, "device_name");
  }
  for (const auto& device : gpus) {
    std::string pci = pciLabelName(device);
    if (!pci.empty()) out.labels["feature.node.kubernetes.io/pci-" + pci + ".present"] = "true";
  }
  out.labels["floe.io/gpu"] = count > 0 ? "true" : "false";
  out.labels["floe.io/gpu-count"] = std::to_string(count);
  if (count > 0 && !sanitiseLabelValue(model).empty()) out.labels["floe.io/gpu-model"] = sanitiseLabelValue(model);
  if (nvidia) out.taints.push_back({std::string(kGpuTaintKey), "present", "NoSchedule"});
}

void addHostLabels(const json& host, NodeLabelling& out) {
  std::string release = stringField(host, "kernel_release");
  if (!release.empty()) {
    out.labels["feature.node.kubernetes.io/kernel-version.full"] = sanitiseLabelValue(release);
    auto numbers = leadingNumbers(release, 3);
    const char* names[] = {"major", "minor", "revision"};
    for (size_t i = 0; i < numbers.size(); ++i) {
      out.labels[std::string("feature.node.kubernetes.io/kernel-version.") + names[i]] = numbers[i];
    }
  }
  std::string osId = sanitiseLabelValue(stringField(host, "os_id"));
  if (!osId.empty()) out.labels["feature.node.kubernetes.io/system-os_release.ID"] = osId;
  std::string versionId = stringField(host, "os_version_id");
  if (!sanitiseLabelValue(versionId).empty()) {
    out.labels["feature.node.kubernetes.io/system-os_release.VERSION_ID"] = sanitiseLabelValue(versionId);
    auto numbers = leadingNumbers(versionId, 2);
    if (!numbers.empty()) out.labels["feature.node.kubernetes.io/system-os_release.VERSION_ID.major"] = numbers[0];
    if (numbers.size() > 1) out.labels["feature.node.kubernetes.io/system-os_release.VERSION_ID.minor"] = numbers[1];
  }
}

}  // namespace

std::string Taint::toString() const { return key + (value.empty() ? "" : "=" + value) + ":" + effect; }

std::string sanitiseLabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(allowed ? c : '-');
  }
  if (out.size() > 63) out.resize(63);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  while (!out.empty() && !alnum(out.back())) out.pop_back();
  size_t first = 0;
  while (first < out.size() && !alnum(out[first])) ++first;
  return out.substr(first);
}

bool isHardwareLabelKey(std::string_view key) {
  return key.rfind(kFloeLabelPrefix, 0) == 0 || key.rfind(kNfdLabelPrefix, 0) == 0;
}

NodeLabelling labelsFromInventory(const json& inventory, NodeRole role) {
  NodeLabelling out;
  out.labels["floe.io/role"] = role == NodeRole::kHead ? "head" : "worker";
  if (!inventory.is_object()) return out;
  addCpuLabels(objectField(inventory, "cpu"), out);
  double memory = numberField(objectField(inventory, "memory"), "total_bytes");
  if (memory > 0) out.labels["floe.io/memory-gib"] = std::to_string(static_cast<long long>(memory / kGiB));
  addDiskLabels(arrayField(inventory, "disks"), out);
  addGpuLabels(arrayField(inventory, "gpus"), out);
  addHostLabels(objectField(inventory, "host"), out);
  return out;
}

}  // namespace floe::cluster
