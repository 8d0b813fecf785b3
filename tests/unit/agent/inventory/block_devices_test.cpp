#include <catch2/catch.hpp>

#include "agent/inventory/collectors.h"
#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using Names = std::vector<std::string>;

constexpr uint64_t kSector = 512;

void checkMount(const Mount& mount, const std::string& point, const std::string& filesystem,
                std::optional<uint64_t> sizeBytes, std::optional<uint64_t> freeBytes) {
  INFO("mount " << point);
  CHECK(mount.mountPoint == point);
  CHECK(mount.filesystem == filesystem);
  CHECK(mount.sizeBytes == sizeBytes);
  CHECK(mount.freeBytes == freeBytes);
}

TEST_CASE("collectBlockDevices: this-machine (one virtio disk, loop and zram skipped)", "[inventory][disks]") {
  FakeFilesystemStats stats({{"/", {274877906944, 82737160192}}});
  Warnings warnings;
  const auto disks = collectBlockDevices(fixture("this-machine"), stats, warnings);
  REQUIRE(disks.size() == 1);
  const BlockDevice& vda = disks[0];
  CHECK(vda.name == "vda");
  CHECK(vda.sizeBytes == 536870912 * kSector);
  CHECK(vda.rotational);  // what this VM's virtio-blk reports
  CHECK_FALSE(vda.removable);
  CHECK_FALSE(vda.readOnly);
  CHECK(vda.model == "");
  CHECK(vda.serial == "overlayblk");  // virtio-blk's /sys/block/vda/serial
  CHECK(vda.transport == "virtio");
  CHECK(vda.partitions.empty());
  CHECK(vda.holders.empty());
  REQUIRE(vda.mounts.size() == 1);
  checkMount(vda.mounts[0], "/", "ext4", 274877906944, 82737160192);
  CHECK_FALSE(vda.looksLikeFreeDataDisk);
  CHECK(warnings.empty());
}

TEST_CASE("collectBlockDevices: two-socket-server", "[inventory][disks]") {
  FakeFilesystemStats stats({{"/", {1900 * kGiB, 1500 * kGiB}}, {"/boot", {2 * kGiB, kGiB}}});
  Warnings warnings;
  const auto disks = collectBlockDevices(fixture("two-socket-server"), stats, warnings);
  REQUIRE(disks.size() == 4);

  const BlockDevice& os = disks[0];
  CHECK(os.name == "nvme0n1");
  CHECK(os.sizeBytes == 3750748848 * kSector);
  CHECK_FALSE(os.rotational);
  CHECK_FALSE(os.removable);
  CHECK(os.model == "Dell Ent NVMe v2 AGN RI U.2 1.92TB");
  CHECK(os.serial == "S6CRNA0T512345");  // the controller's serial, before the namespace's WWID
  CHECK(os.transport == "nvme");
  CHECK(os.mounts.empty());
  CHECK(os.holders.empty());
  CHECK_FALSE(os.looksLikeFreeDataDisk);
  REQUIRE(os.partitions.size() == 3);
  CHECK(os.partitions[0].name == "nvme0n1p1");
  CHECK(os.partitions[0].sizeBytes == 512 * 1024 * 1024);
  REQUIRE(os.partitions[0].mounts.size() == 1);
  checkMount(os.partitions[0].mounts[0], "/boot/efi", "vfat", std::nullopt, std::nullopt);  // stats do not know it
  CHECK(os.partitions[1].name == "nvme0n1p2");
  CHECK(os.partitions[1].sizeBytes == 2 * kGiB);
  REQUIRE(os.partitions[1].mounts.size() == 1);
  checkMount(os.partitions[1].mounts[0], "/boot", "ext4", 2 * kGiB, kGiB);
  CHECK(os.partitions[2].name == "nvme0n1p3");
  CHECK(os.partitions[2].sizeBytes == 3745503232 * kSector);
  CHECK(os.partitions[2].holders.empty());
  // "/" only: the bind mount of /var/lib/kubelet from the same filesystem is not a second mount.
  REQUIRE(os.partitions[2].mounts.size() == 1);
  checkMount(os.partitions[2].mounts[0], "/", "ext4", 1900 * kGiB, 1500 * kGiB);

  const BlockDevice& empty = disks[1];
  CHECK(empty.name == "nvme1n1");
  CHECK(empty.sizeBytes == 7501476528 * kSector);
  CHECK(empty.serial == "S6CRNA0T567890");
  CHECK(empty.transport == "nvme");
  CHECK(empty.partitions.empty());
  CHECK(empty.mounts.empty());
  CHECK(empty.looksLikeFreeDataDisk);

  const BlockDevice& sda = disks[2];
  CHECK(sda.name == "sda");
  CHECK(sda.sizeBytes == 15628053168 * kSector);
  CHECK(sda.rotational);
  CHECK(sda.model == "ST8000NM000A-2KE");
  CHECK(sda.serial == "t10.ATA     ST8000NM000A-2KE101                      WSD1A2B3");  // SATA: the WWID
  CHECK(sda.transport == "sata");
  CHECK(sda.holders.empty());
  CHECK(sda.looksLikeFreeDataDisk);

  const BlockDevice& sdb = disks[3];
  CHECK(sdb.name == "sdb");
  CHECK(sdb.rotational);
  CHECK(sdb.transport == "sata");
  CHECK(sdb.holders == Names{"dm-0"});  // the LVM volume behind /var/lib/rancher
  CHECK(sdb.mounts.empty());
  CHECK_FALSE(sdb.looksLikeFreeDataDisk);

  // statvfs is asked only about mounts of the disks listed (no loop, dm, tmpfs, cgroup...).
  CHECK(stats.asked() == Names{"/boot/efi", "/boot", "/"});
  CHECK(warnings.empty());
}

TEST_CASE("collectBlockDevices: gpu-server (LVM on a partition, a whole-disk filesystem)", "[inventory][disks]") {
  FakeFilesystemStats stats({{"/data", {7 * 1024 * kGiB, 6 * 1024 * kGiB}}});
  Warnings warnings;
  const auto disks = collectBlockDevices(fixture("gpu-server"), stats, warnings);
  REQUIRE(disks.size() == 2);
  const BlockDevice& os = disks[0];
  CHECK(os.name == "nvme0n1");
  CHECK(os.sizeBytes == 1875385008 * kSector);
  CHECK(os.model == "SAMSUNG MZQL2960HCJR-00A07");
  CHECK(os.serial == "S64FNE0R801234");
  REQUIRE(os.partitions.size() == 3);
  CHECK(os.partitions[0].mounts.at(0).mountPoint == "/boot/efi");
  CHECK(os.partitions[1].mounts.at(0).mountPoint == "/boot");
  CHECK(os.partitions[1].mounts.at(0).filesystem == "xfs");
  CHECK(os.partitions[2].holders == Names{"dm-0", "dm-1"});
  CHECK(os.partitions[2].mounts.empty());  // / is on dm-0 and swap on dm-1, not on the partition itself
  CHECK_FALSE(os.looksLikeFreeDataDisk);

  const BlockDevice& data = disks[1];
  CHECK(data.name == "nvme1n1");
  CHECK(data.sizeBytes == 7501476528 * kSector);
  CHECK(data.partitions.empty());
  REQUIRE(data.mounts.size() == 1);
  checkMount(data.mounts[0], "/data", "xfs", 7 * 1024 * kGiB, 6 * 1024 * kGiB);
  CHECK_FALSE(data.looksLikeFreeDataDisk);  // formatted whole and mounted
  CHECK(warnings.empty());
}

// A SCSI disk under a scratch sysroot, as /sys lays it out.
void writeDisk(ScratchSysroot& scratch, const std::string& name, const std::string& devicePath, uint64_t sectors,
               const std::string& dev) {
  const std::string dir = devicePath + "/block/" + name;
  scratch.link("/sys/block/" + name, "../devices" + dir.substr(std::string("/sys/devices").size()));
  scratch.write(dir + "/size", std::to_string(sectors) + "\n");
  scratch.write(dir + "/dev", dev + "\n");
  scratch.write(dir + "/removable", "0\n");
  scratch.write(dir + "/queue/rotational", "0\n");
}

TEST_CASE("collectBlockDevices: free-data-disk rules and transports", "[inventory][disks]") {
  ScratchSysroot scratch;
  const uint64_t oneGiB = kGiB / kSector;
  writeDisk(scratch, "sda", "/sys/devices/pci0000:00/0000:00:01.0/0000:02:00.0/host0/port-0:0/end_device-0:0/target0:0:0/0:0:0:0", 8 * oneGiB, "8:0");
  writeDisk(scratch, "sdb", "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0", 64 * oneGiB, "8:16");
  scratch.write("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb/removable", "1\n");
  writeDisk(scratch, "sdc", "/sys/devices/pci0000:00/0000:00:05.0/virtio3/host2/target2:0:0/2:0:0:0", oneGiB - 1, "8:32");
  writeDisk(scratch, "sdd", "/sys/devices/platform/host3/target3:0:0/3:0:0:0", 4 * oneGiB, "8:48");
  writeDisk(scratch, "sde", "/sys/devices/platform/host4/target4:0:0/4:0:0:0", 4 * oneGiB, "8:64");
  scratch.write("/sys/devices/platform/host4/target4:0:0/4:0:0:0/block/sde/ro", "1\n");
  writeDisk(scratch, "sdf", "/sys/devices/platform/host5/target5:0:0/5:0:0:0", 4 * oneGiB, "8:80");
  writeDisk(scratch, "mmcblk0", "/sys/devices/platform/soc/mmc_host/mmc0/mmc0:0001", 16 * oneGiB, "179:0");
  writeDisk(scratch, "nvme0c0n1", "/sys/devices/pci0000:00/0000:00:06.0/nvme/nvme0", 8 * oneGiB, "259:9");
  scratch.write("/sys/devices/pci0000:00/0000:00:06.0/nvme/nvme0/block/nvme0c0n1/hidden", "1\n");
  scratch.write("/proc/swaps", "Filename Type Size Used Priority\n/dev/sdf partition 4194300 0 -2\n");
  scratch.write("/proc/self/mountinfo", "");
  FakeFilesystemStats stats;
  Warnings warnings;
  const auto disks = collectBlockDevices(scratch.sysroot(), stats, warnings);
  REQUIRE(disks.size() == 7);  // the hidden multipath node is left out
  CHECK(disks[0].name == "mmcblk0");
  CHECK(disks[0].transport == "mmc");
  CHECK(disks[0].looksLikeFreeDataDisk);
  CHECK(disks[1].name == "sda");
  CHECK(disks[1].transport == "sas");
  CHECK(disks[1].looksLikeFreeDataDisk);
  CHECK(disks[2].name == "sdb");
  CHECK(disks[2].transport == "usb");
  CHECK(disks[2].removable);
  CHECK_FALSE(disks[2].looksLikeFreeDataDisk);
  CHECK(disks[3].name == "sdc");
  CHECK(disks[3].transport == "virtio");
  CHECK_FALSE(disks[3].looksLikeFreeDataDisk);  // just under 1 GiB
  CHECK(disks[4].transport == "scsi");
  CHECK(disks[4].looksLikeFreeDataDisk);
  CHECK(disks[5].readOnly);
  CHECK_FALSE(disks[5].looksLikeFreeDataDisk);
  REQUIRE(disks[6].mounts.size() == 1);  // whole-disk swap counts as in use
  CHECK(disks[6].mounts[0].mountPoint == "[SWAP]");
  CHECK(disks[6].mounts[0].filesystem == "swap");
  CHECK_FALSE(disks[6].looksLikeFreeDataDisk);
  CHECK(warnings.empty());
}

TEST_CASE("collectBlockDevices: /proc/mounts by name when mountinfo is unreadable", "[inventory][disks]") {
  ScratchSysroot scratch;
  writeDisk(scratch, "sda", "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0", 1 << 24, "8:0");
  const std::string sda = "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda";
  scratch.write(sda + "/sda2/partition", "2\n");
  scratch.write(sda + "/sda2/size", "2048\n");
  scratch.write(sda + "/sda10/partition", "10\n");
  scratch.write(sda + "/sda10/size", "4096\n");
  scratch.write(sda + "/sda1/partition", "1\n");
  scratch.write(sda + "/sda1/size", "1024\n");
  scratch.write("/proc/mounts", "/dev/sda2 /srv/my\\040data ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n");
  FakeFilesystemStats stats;
  Warnings warnings;
  const auto disks = collectBlockDevices(scratch.sysroot(), stats, warnings);
  REQUIRE(disks.size() == 1);
  REQUIRE(disks[0].partitions.size() == 3);
  CHECK(disks[0].partitions[0].name == "sda1");  // by partition number, not by name
  CHECK(disks[0].partitions[1].name == "sda2");
  CHECK(disks[0].partitions[2].name == "sda10");
  CHECK(disks[0].partitions[1].sizeBytes == 2048 * kSector);
  REQUIRE(disks[0].partitions[1].mounts.size() == 1);
  CHECK(disks[0].partitions[1].mounts[0].mountPoint == "/srv/my data");
  CHECK(disks[0].partitions[0].mounts.empty());
  CHECK_FALSE(disks[0].looksLikeFreeDataDisk);
  CHECK(warnings.empty());
}

TEST_CASE("collectBlockDevices: odd inputs", "[inventory][disks][odd]") {
  SECTION("no /sys/block") {
    ScratchSysroot scratch;
    FakeFilesystemStats stats;
    Warnings warnings;
    CHECK(collectBlockDevices(scratch.sysroot(), stats, warnings).empty());
    CHECK(hasWarningContaining(warnings, "cannot list /sys/block"));
  }
  SECTION("garbage size, no mount tables") {
    ScratchSysroot scratch;
    writeDisk(scratch, "sda", "/sys/devices/platform/host0/target0:0:0/0:0:0:0", 0, "8:0");
    scratch.write("/sys/devices/platform/host0/target0:0:0/0:0:0:0/block/sda/size", "huge\n");
    scratch.write("/sys/devices/platform/host0/target0:0:0/0:0:0:0/block/sda/queue/rotational", "");
    FakeFilesystemStats stats;
    Warnings warnings;
    const auto disks = collectBlockDevices(scratch.sysroot(), stats, warnings);
    REQUIRE(disks.size() == 1);
    CHECK(disks[0].sizeBytes == 0);
    CHECK_FALSE(disks[0].rotational);
    CHECK_FALSE(disks[0].looksLikeFreeDataDisk);
    CHECK(hasWarningContaining(warnings, "size of sda unknown"));
    CHECK(hasWarningContaining(warnings, "mount points and free space unknown"));
  }
  SECTION("a dangling /sys/block link") {
    ScratchSysroot scratch;
    scratch.link("/sys/block/sdz", "../devices/nowhere/block/sdz");
    scratch.write("/proc/self/mountinfo", "");
    FakeFilesystemStats stats;
    Warnings warnings;
    const auto disks = collectBlockDevices(scratch.sysroot(), stats, warnings);
    REQUIRE(disks.size() == 1);
    CHECK(disks[0].sizeBytes == 0);
    CHECK(hasWarningContaining(warnings, "size of sdz unknown"));
  }
}

}  // namespace
}  // namespace floe::agent
