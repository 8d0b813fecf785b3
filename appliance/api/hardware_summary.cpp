#include "api/hardware_summary.h"

#include "floe/cluster/node_labels.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

int64_t labelNumber(const cluster::NodeLabelling& labelling, const std::string& key) {
  auto it = labelling.labels.find(key);
  if (it == labelling.labels.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

int64_t integerField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number()) return 0;
  return object[key].get<int64_t>();
}

std::string stringField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace

json hardwareSummary(const json& inventory) {
  if (!inventory.is_object()) return nullptr;
  auto labelling = cluster::labelsFromInventory(inventory, cluster::NodeRole::kWorker);
  const json& cpu = inventory.contains("cpu") ? inventory["cpu"] : json();
  const json& memory = inventory.contains("memory") ? inventory["memory"] : json();
  int64_t diskCount = 0, diskBytes = 0, freeDataDiskBytes = 0;
  if (inventory.contains("disks") && inventory["disks"].is_array()) {
    for (const auto& disk : inventory["disks"]) {
      if (!disk.is_object()) continue;
      ++diskCount;
      diskBytes += integerField(disk, "size_bytes");
      if (disk.value("looks_like_free_data_disk", false)) freeDataDiskBytes += integerField(disk, "size_bytes");
    }
  }
  auto gpuModel = labelling.labels.find("floe.io/gpu-model");
  return {{"cpu_model", stringField(cpu, "model")},
          {"cpu_cores", labelNumber(labelling, "floe.io/cpu-cores")},
          {"cpu_threads", integerField(cpu, "threads")},
          {"memory_bytes", integerField(memory, "total_bytes")},
          {"gpu_count", labelNumber(labelling, "floe.io/gpu-count")},
          {"gpu_model", gpuModel == labelling.labels.end() ? "" : gpuModel->second},
          {"disk_count", diskCount},
          {"disk_bytes", diskBytes},
          {"data_disks", labelNumber(labelling, "floe.io/data-disks")},
          {"free_data_disk_bytes", freeDataDiskBytes}};
}

}  // namespace floe::appliance
