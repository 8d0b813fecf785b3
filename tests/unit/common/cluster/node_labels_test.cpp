#include "floe/cluster/node_labels.h"

#include <catch2/catch.hpp>

#include "../../agent/inventory/inventory_test_support.h"
#include "agent/inventory/collect_inventory.h"
#include "agent/inventory/inventory_json.h"

namespace floe::cluster {
namespace {

using nlohmann::json;

// The inventory a real agent would send for a captured host tree.
json fixtureInventory(std::string_view name) {
  agent::inventory_testing::FakeFilesystemStats stats;
  return agent::inventoryToJson(agent::collectInventory(agent::inventory_testing::fixture(name), stats));
}

TEST_CASE("labelsFromInventory: GPU server", "[labels]") {
  auto out = labelsFromInventory(fixtureInventory("gpu-server"), NodeRole::kWorker);
  CHECK(out.labels.at("floe.io/role") == "worker");
  CHECK(out.labels.at("floe.io/cpu-cores") == "32");
  CHECK(out.labels.at("floe.io/memory-gib") == "1007");
  CHECK(out.labels.at("floe.io/disk-nvme") == "true");
  CHECK(out.labels.at("floe.io/data-disks") == "1");  // /data on nvme1n1; nvme0n1 holds the OS
  CHECK(out.labels.at("floe.io/gpu") == "true");
  CHECK(out.labels.at("floe.io/gpu-count") == "4");  // the ASPEED BMC display is not a GPU
  CHECK(out.labels.at("floe.io/gpu-model") == "NVIDIA-A100-SXM4-40GB");
  CHECK(out.labels.at("feature.node.kubernetes.io/cpu-model.vendor_id") == "AMD");
  CHECK(out.labels.at("feature.node.kubernetes.io/cpu-cpuid.AVX2") == "true");
  CHECK(out.labels.at("feature.node.kubernetes.io/pci-0302_10de.present") == "true");
  CHECK(out.labels.at("feature.node.kubernetes.io/pci-0300_1a03.present") == "true");
  CHECK(out.labels.at("feature.node.kubernetes.io/memory-numa") == "true");
  CHECK(out.labels.at("feature.node.kubernetes.io/kernel-version.full") == "5.14.0-362.8.1.el9_3.x86_64");
  CHECK(out.labels.at("feature.node.kubernetes.io/kernel-version.major") == "5");
  CHECK(out.labels.at("feature.node.kubernetes.io/kernel-version.minor") == "14");
  CHECK(out.labels.at("feature.node.kubernetes.io/kernel-version.revision") == "0");
  CHECK(out.labels.at("feature.node.kubernetes.io/system-os_release.ID") == "rocky");
  CHECK(out.labels.at("feature.node.kubernetes.io/system-os_release.VERSION_ID.major") == "9");
  CHECK(out.labels.at("feature.node.kubernetes.io/system-os_release.VERSION_ID.minor") == "3");
  REQUIRE(out.taints.size() == 1);
  CHECK(out.taints[0].toString() == "nvidia.com/gpu=present:NoSchedule");
}

TEST_CASE("labelsFromInventory: two-socket server without GPUs", "[labels]") {
  auto out = labelsFromInventory(fixtureInventory("two-socket-server"), NodeRole::kWorker);
  CHECK(out.labels.at("floe.io/cpu-cores") == "32");
  CHECK(out.labels.at("floe.io/memory-gib") == "503");
  // The free NVMe and the free SATA disk; sdb belongs to device-mapper.
  CHECK(out.labels.at("floe.io/data-disks") == "2");
  CHECK(out.labels.at("floe.io/gpu") == "false");
  CHECK(out.labels.at("floe.io/gpu-count") == "0");
  CHECK(out.labels.count("floe.io/gpu-model") == 0);
  CHECK(out.labels.at("feature.node.kubernetes.io/cpu-model.vendor_id") == "Intel");
  CHECK(out.labels.at("feature.node.kubernetes.io/cpu-hardware_multithreading") == "true");
  CHECK(out.taints.empty());
}

TEST_CASE("labelsFromInventory: the head of a small VM", "[labels]") {
  auto out = labelsFromInventory(fixtureInventory("this-machine"), NodeRole::kHead);
  CHECK(out.labels.at("floe.io/role") == "head");
  CHECK(out.labels.at("floe.io/data-disks") == "0");
  CHECK(out.labels.at("floe.io/disk-nvme") == "false");
  CHECK(out.labels.count("feature.node.kubernetes.io/memory-numa") == 0);
  CHECK(out.labels.count("feature.node.kubernetes.io/storage-nonrotationaldisk") == 0);
}

TEST_CASE("labelsFromInventory: odd or missing fields leave labels out", "[labels][odd]") {
  auto empty = labelsFromInventory(json::object(), NodeRole::kWorker);
  CHECK(empty.labels.at("floe.io/role") == "worker");
  CHECK(empty.labels.count("floe.io/cpu-cores") == 0);
  auto wrongTypes = labelsFromInventory(
      json{{"cpu", "x"}, {"memory", {{"total_bytes", "lots"}}}, {"disks", 3}, {"gpus", {1, nullptr}}},
      NodeRole::kWorker);
  CHECK(wrongTypes.labels.count("floe.io/memory-gib") == 0);
  CHECK(wrongTypes.labels.at("floe.io/gpu-count") == "0");
  CHECK(labelsFromInventory(json::array(), NodeRole::kHead).labels.size() == 1);
}

TEST_CASE("sanitiseLabelValue keeps values Kubernetes accepts", "[labels]") {
  CHECK(sanitiseLabelValue("NVIDIA A100-SXM4-40GB") == "NVIDIA-A100-SXM4-40GB");
  CHECK(sanitiseLabelValue("GA100 [A100 SXM4 40GB]") == "GA100--A100-SXM4-40GB");
  CHECK(sanitiseLabelValue("--x--") == "x");
  CHECK(sanitiseLabelValue(std::string(100, 'a')).size() == 63);
  CHECK(sanitiseLabelValue("") == "");
}

TEST_CASE("isHardwareLabelKey: only floe's and NFD's prefixes", "[labels]") {
  CHECK(isHardwareLabelKey("floe.io/gpu"));
  CHECK(isHardwareLabelKey("feature.node.kubernetes.io/cpu-cpuid.AVX"));
  CHECK_FALSE(isHardwareLabelKey("kubernetes.io/hostname"));
  CHECK_FALSE(isHardwareLabelKey("team"));
}

}  // namespace
}  // namespace floe::cluster
