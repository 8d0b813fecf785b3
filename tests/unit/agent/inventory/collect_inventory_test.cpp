#include "agent/inventory/collect_inventory.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "agent/inventory/inventory_json.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using nlohmann::json;
using Catch::Matchers::Contains;

std::set<std::string> keysOf(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

TEST_CASE("collectInventory: every fixture fills every section", "[inventory]") {
  for (const char* name : {"this-machine", "two-socket-server", "gpu-server"}) {
    INFO(name);
    FakeFilesystemStats stats;
    const Inventory inventory = collectInventory(fixture(name), stats);
    CHECK(inventory.schemaVersion == kInventorySchemaVersion);
    CHECK_FALSE(inventory.host.hostname.empty());
    CHECK_FALSE(inventory.host.machineId.empty());
    CHECK(inventory.cpu.threads > 0);
    CHECK(inventory.memory.totalBytes > 0);
    CHECK_FALSE(inventory.disks.empty());
    CHECK_FALSE(inventory.network.empty());
    CHECK_FALSE(inventory.defaultRouteInterface.empty());
    CHECK(inventory.kernel.cgroupVersion > 0);
  }
}

TEST_CASE("collectInventory: two-socket-server end to end", "[inventory]") {
  FakeFilesystemStats stats;
  const Inventory inventory = collectInventory(fixture("two-socket-server"), stats);
  CHECK(inventory.host.hostname == "worker-r750-01");
  CHECK(inventory.cpu.sockets == 2);
  CHECK(inventory.cpu.cores == 32);
  CHECK(inventory.cpu.threads == 64);
  CHECK(inventory.disks.size() == 4);
  CHECK(inventory.defaultRouteInterface == "bond0");
  CHECK(inventory.defaultGatewayIpv4 == "10.20.0.1");
  CHECK(inventory.gpus.size() == 1);
  CHECK(inventory.warnings.empty());
}

TEST_CASE("collectInventory: an empty sysroot still yields an inventory, with warnings", "[inventory][odd]") {
  ScratchSysroot scratch;
  FakeFilesystemStats stats;
  const Inventory inventory = collectInventory(scratch.sysroot(), stats);
  CHECK(inventory.warnings.size() >= 10);
  const json out = inventoryToJson(inventory);
  CHECK(out["host"]["hostname"] == "");
  CHECK(out["host"]["boot_time_unix"].is_null());
  CHECK(out["warnings"].size() == inventory.warnings.size());
  CHECK_THAT(inventoryToText(inventory), Contains("Warnings"));
}

TEST_CASE("collectInventory: this machine, against /proc directly", "[inventory][host]") {
  const Sysroot host("/");
  const FilesystemStatsImpl stats(host);
  const Inventory inventory = collectInventory(host, stats);
  CHECK(static_cast<unsigned>(inventory.cpu.threads) == std::thread::hardware_concurrency());
  CHECK(inventory.memory.totalBytes > 0);
  CHECK_FALSE(inventory.host.architecture.empty());
  for (const auto& disk : inventory.disks) {
    for (const auto& mount : disk.mounts) {
      if (mount.mountPoint == "/") CHECK(mount.sizeBytes.has_value());  // statvfs on the real root
    }
  }
}

TEST_CASE("FilesystemStatsImpl: under a sysroot, only real mount points are asked", "[inventory]") {
  const Sysroot tree(fixtureRoot("two-socket-server"));
  const FilesystemStatsImpl stats(tree);
  CHECK_FALSE(stats.usage("/"));      // the fixture dir is not a mount point
  CHECK_FALSE(stats.usage("/boot"));  // not there at all
  const Sysroot host("/");
  const FilesystemStatsImpl hostStats(host);
  auto root = hostStats.usage("/");
  REQUIRE(root);
  CHECK(root->sizeBytes >= root->freeBytes);
}

TEST_CASE("inventoryToJson: shape, snake_case keys and schema version", "[inventory][json]") {
  FakeFilesystemStats stats({{"/", {100 * kGiB, 40 * kGiB}}});
  const Inventory inventory = collectInventory(fixture("two-socket-server"), stats);
  const json out = inventoryToJson(inventory);

  CHECK(keysOf(out) == std::set<std::string>{"schema_version", "host", "cpu", "memory", "disks", "network", "gpus",
                                             "kernel", "warnings"});
  CHECK(out["schema_version"] == 1);
  CHECK(out["host"]["hostname"] == "worker-r750-01");  // the head reads this path
  CHECK(keysOf(out["host"]) ==
        std::set<std::string>{"hostname", "machine_id", "os_id", "os_version_id", "os_pretty_name", "kernel_release",
                              "architecture", "boot_time_unix", "dmi_vendor", "dmi_product", "dmi_serial",
                              "virtualization", "hypervisor", "container_runtime"});
  CHECK(out["host"]["boot_time_unix"] == 1714032000);
  CHECK(keysOf(out["cpu"]) ==
        std::set<std::string>{"vendor", "model", "sockets", "cores", "threads", "mhz", "flags", "numa_nodes"});
  CHECK(out["cpu"]["numa_nodes"][1]["cpus"][0] == 16);
  CHECK(out["cpu"]["numa_nodes"][1]["memory_bytes"] == 264241152ULL * 1024);
  CHECK(keysOf(out["memory"]) == std::set<std::string>{"total_bytes", "available_bytes", "swap_total_bytes",
                                                       "swap_free_bytes", "huge_pages_total", "huge_pages_free",
                                                       "huge_page_size_bytes"});
  const json& disk = out["disks"][0];
  CHECK(keysOf(disk) == std::set<std::string>{"name", "size_bytes", "rotational", "removable", "read_only", "model",
                                              "serial", "transport", "holders", "partitions", "mounts",
                                              "looks_like_free_data_disk"});
  CHECK(keysOf(disk["partitions"][2]) == std::set<std::string>{"name", "size_bytes", "holders", "mounts"});
  const json& root = disk["partitions"][2]["mounts"][0];
  CHECK(keysOf(root) == std::set<std::string>{"mount_point", "filesystem", "size_bytes", "free_bytes"});
  CHECK(root["free_bytes"] == 40 * kGiB);
  CHECK(disk["partitions"][0]["mounts"][0]["free_bytes"].is_null());
  CHECK(out["disks"][1]["looks_like_free_data_disk"] == true);
  CHECK(keysOf(out["network"]) ==
        std::set<std::string>{"default_route_interface", "default_gateway_ipv4", "interfaces"});
  const json& bond = out["network"]["interfaces"][0];
  CHECK(keysOf(bond) == std::set<std::string>{"name", "mac", "mtu", "speed_mbps", "oper_state", "driver", "kind",
                                              "ipv4", "ipv6", "bond_master", "bond_members"});
  CHECK(bond["speed_mbps"] == 50000);
  CHECK(out["network"]["interfaces"][2]["speed_mbps"].is_null());  // eno1, link down
  CHECK(keysOf(out["gpus"][0]) == std::set<std::string>{"pci_address", "class_code", "vendor_id", "device_id",
                                                        "vendor_name", "device_name", "driver", "memory_bytes",
                                                        "nvidia_driver_version", "numa_node"});
  CHECK(keysOf(out["kernel"]) ==
        std::set<std::string>{"cgroup_version", "cgroup_controllers", "overlay", "br_netfilter", "ip_forward"});
  CHECK(out["warnings"].is_array());

  // Round trip through text, as the head receives it.
  CHECK(json::parse(out.dump()) == out);
}

TEST_CASE("inventoryToJson: without volatile fields the JSON (and its hash) is stable", "[inventory][json]") {
  FakeFilesystemStats first({{"/", {100 * kGiB, 40 * kGiB}}});
  FakeFilesystemStats second({{"/", {100 * kGiB, 39 * kGiB}}});
  Inventory a = collectInventory(fixture("two-socket-server"), first);
  Inventory b = collectInventory(fixture("two-socket-server"), second);
  b.memory.availableBytes -= 4096;
  CHECK(inventoryToJson(a).dump() != inventoryToJson(b).dump());
  const InventoryJsonOptions stable{.includeVolatile = false};
  CHECK(inventoryToJson(a, stable).dump() == inventoryToJson(b, stable).dump());
  const json out = inventoryToJson(a, stable);
  CHECK_FALSE(out["memory"].contains("available_bytes"));
  CHECK(out["memory"].contains("total_bytes"));
  CHECK_FALSE(out["disks"][0]["partitions"][2]["mounts"][0].contains("free_bytes"));
}

TEST_CASE("inventoryToText: a short summary of each section", "[inventory][json]") {
  FakeFilesystemStats stats;
  const std::string text = inventoryToText(collectInventory(fixture("gpu-server"), stats));
  CHECK_THAT(text, Contains("Host      gpu-a100-01"));
  CHECK_THAT(text, Contains("Rocky Linux 9.3 (Blue Onyx)"));
  CHECK_THAT(text, Contains("2 sockets, 32 cores, 32 threads"));
  CHECK_THAT(text, Contains("1007.4 GiB total"));
  CHECK_THAT(text, Contains("nvme1n1"));
  CHECK_THAT(text, Contains("mounted /data (xfs)"));
  CHECK_THAT(text, Contains("ens1f0np0"));
  CHECK_THAT(text, Contains("100000 Mbps"));
  CHECK_THAT(text, Contains("GPUs      5"));
  CHECK_THAT(text, Contains("NVIDIA A100-SXM4-40GB [0x030200] driver nvidia 550.54.15"));
  CHECK_THAT(text, Contains("cgroup v2"));
  CHECK_THAT(text, Contains("br_netfilter no"));
}

TEST_CASE("formatBytes", "[inventory][json]") {
  CHECK(formatBytes(0) == "0 B");
  CHECK(formatBytes(512) == "512 B");
  CHECK(formatBytes(kGiB) == "1 GiB");
  CHECK(formatBytes(kGiB + kGiB / 2) == "1.5 GiB");
  CHECK(formatBytes(528162484ULL * 1024) == "503.7 GiB");
}

}  // namespace
}  // namespace floe::agent
