// The hardware summary the console's tables and capacity totals read: counts agree with
// the floe.io/* labels (BMC graphics are no GPU), sizes are summed from the inventory.
#include "api/hardware_summary.h"

#include <catch2/catch.hpp>

namespace floe::appliance {
namespace {

using nlohmann::json;

json inventory() {
  return json::parse(R"({
    "cpu": {"model": "Test CPU", "cores": 16, "threads": 32},
    "memory": {"total_bytes": 68719476736},
    "disks": [
      {"name": "nvme0n1", "size_bytes": 1000, "transport": "nvme", "looks_like_free_data_disk": false,
       "partitions": [{"name": "nvme0n1p1", "mounts": [{"mount_point": "/", "filesystem": "ext4"}]}]},
      {"name": "sda", "size_bytes": 4000, "looks_like_free_data_disk": true},
      {"name": "sdb", "size_bytes": 5000, "looks_like_free_data_disk": true}
    ],
    "gpus": [
      {"vendor_id": "0x10de", "class_code": "0x030200", "device_name": "A100"},
      {"vendor_id": "0x10de", "class_code": "0x030200", "device_name": "A100"},
      {"vendor_id": "0x102b", "class_code": "0x030000", "device_name": "G200eW3"}
    ]
  })");
}

TEST_CASE("the hardware summary counts like the labels and sums the disks", "[api][hardware]") {
  json summary = hardwareSummary(inventory());
  CHECK(summary["cpu_model"] == "Test CPU");
  CHECK(summary["cpu_cores"] == 16);
  CHECK(summary["cpu_threads"] == 32);
  CHECK(summary["memory_bytes"] == 68719476736LL);
  CHECK(summary["gpu_count"] == 2);  // the Matrox BMC controller is not counted
  CHECK(summary["gpu_model"] == "A100");
  CHECK(summary["disk_count"] == 3);
  CHECK(summary["disk_bytes"] == 10000);
  CHECK(summary["data_disks"] == 2);
  CHECK(summary["free_data_disk_bytes"] == 9000);
}

TEST_CASE("no inventory gives null, a malformed one gives zeros instead of throwing", "[api][hardware]") {
  CHECK(hardwareSummary(nullptr).is_null());
  json odd = json::parse(R"({"cpu": "garbage", "memory": [], "disks": {"x": 1}, "gpus": 7})");
  json summary = hardwareSummary(odd);
  CHECK(summary["cpu_cores"] == 0);
  CHECK(summary["memory_bytes"] == 0);
  CHECK(summary["disk_count"] == 0);
  CHECK(summary["gpu_count"] == 0);
}

}  // namespace
}  // namespace floe::appliance
