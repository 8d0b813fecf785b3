// Disks from /sys/block: size, kind, identity, partitions, holders and mounts, and
// whether a disk looks free for floe's data (the object store's volumes).
//
// Mounts come from /proc/self/mountinfo matched by major:minor, which also resolves
// /dev/root, /dev/mapper/* and /dev/disk/by-* names; /proc/mounts matched by device
// name is the fallback when mountinfo is unreadable.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kSysBlock = "/sys/block";
constexpr std::string_view kMountinfo = "/proc/self/mountinfo";
constexpr std::string_view kProcMounts = "/proc/mounts";
constexpr std::string_view kProcSwaps = "/proc/swaps";
// Relative to /sys/block/<disk> (or /sys/block/<disk>/<partition>).
constexpr std::string_view kSize = "/size";  // in 512-byte sectors whatever the logical block size
constexpr std::string_view kDevNumber = "/dev";
constexpr std::string_view kRotational = "/queue/rotational";
constexpr std::string_view kRemovable = "/removable";
constexpr std::string_view kReadOnly = "/ro";
constexpr std::string_view kHidden = "/hidden";  // NVMe multipath per-path nodes
constexpr std::string_view kHolders = "/holders";
constexpr std::string_view kPartitionMarker = "/partition";
constexpr std::string_view kModel = "/device/model";
// In order of preference: a real serial (SCSI/NVMe controller, then virtio-blk), then WWIDs.
constexpr std::array<std::string_view, 4> kSerialFiles = {"/device/serial", "/serial", "/device/wwid", "/wwid"};

constexpr uint64_t kSectorBytes = 512;
constexpr uint64_t kMinFreeDataDiskBytes = 1ULL << 30;

// Kernel-made block devices, not disks: skipped from the list (they still show up as
// holders of the disks they sit on).
constexpr std::array<std::string_view, 5> kVirtualDevicePrefixes = {"loop", "ram", "zram", "dm-", "nbd"};

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

struct MountIndex {
  std::map<std::string, std::vector<parsers::MountEntry>, std::less<>> byDevNumber;  // "259:2"
  std::map<std::string, std::vector<parsers::MountEntry>, std::less<>> byName;       // "nvme0n1p2"
  std::set<std::string, std::less<>> swapDevices;                                     // "sda3"
};

MountIndex indexMounts(const Sysroot& sysroot, Warnings& warnings) {
  MountIndex index;
  if (auto text = sysroot.readFile(kMountinfo)) {
    for (auto& entry : parsers::parseMountinfo(*text)) {
      index.byDevNumber[entry.majorMinor].push_back(std::move(entry));
    }
    // A device mounted whole ("/" as root) and also bind-mounted in pieces (a container's
    // /etc/hosts) is mounted where its root is; btrfs subvolumes have no "/" entry and
    // keep all of theirs.
    for (auto& [dev, entries] : index.byDevNumber) {
      const bool hasWhole = std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.root == "/"; });
      if (hasWhole) std::erase_if(entries, [](const auto& e) { return e.root != "/"; });
    }
  } else if (auto mounts = sysroot.readFile(kProcMounts)) {
    for (auto& entry : parsers::parseProcMounts(*mounts)) {
      if (!startsWith(entry.device, "/dev/")) continue;
      std::string name(linkBasename(entry.device));
      index.byName[name].push_back(std::move(entry));
    }
  } else {
    addWarning(warnings, "cannot read /proc/self/mountinfo or /proc/mounts: mount points and free space unknown");
  }
  if (auto swaps = sysroot.readFile(kProcSwaps)) {
    for (const std::string& device : parsers::parseSwaps(*swaps)) {
      if (startsWith(device, "/dev/")) index.swapDevices.insert(std::string(linkBasename(device)));
    }
  }
  return index;
}

std::string readTrimmed(const Sysroot& sysroot, const std::string& path) {
  auto text = sysroot.readFile(path);
  return text ? std::string(parsers::trim(*text)) : std::string();
}

bool readFlag(const Sysroot& sysroot, const std::string& path) { return readTrimmed(sysroot, path) == "1"; }

std::optional<uint64_t> readSizeBytes(const Sysroot& sysroot, const std::string& dir) {
  auto sectors = parsers::parseUnsigned(readTrimmed(sysroot, dir + std::string(kSize)));
  if (!sectors) return std::nullopt;
  return *sectors * kSectorBytes;
}

// The mounts (and swap use) of one disk or partition at `dir`.
std::vector<Mount> mountsOf(const Sysroot& sysroot, const std::string& dir, std::string_view name,
                            const MountIndex& index, const FilesystemStats& filesystems) {
  std::vector<Mount> mounts;
  const std::vector<parsers::MountEntry>* entries = nullptr;
  if (!index.byDevNumber.empty()) {
    auto it = index.byDevNumber.find(readTrimmed(sysroot, dir + std::string(kDevNumber)));
    if (it != index.byDevNumber.end()) entries = &it->second;
  } else if (auto it = index.byName.find(name); it != index.byName.end()) {
    entries = &it->second;
  }
  if (entries) {
    for (const auto& entry : *entries) {
      if (std::any_of(mounts.begin(), mounts.end(), [&](const Mount& m) { return m.mountPoint == entry.mountPoint; })) {
        continue;  // stacked mounts of the same device on the same point
      }
      Mount mount;
      mount.mountPoint = entry.mountPoint;
      mount.filesystem = entry.filesystem;
      if (auto usage = filesystems.usage(entry.mountPoint)) {
        mount.sizeBytes = usage->sizeBytes;
        mount.freeBytes = usage->freeBytes;
      }
      mounts.push_back(std::move(mount));
    }
  }
  if (index.swapDevices.count(name) != 0) mounts.push_back(Mount{"[SWAP]", "swap", std::nullopt, std::nullopt});
  return mounts;
}

// From where the kernel put the device: /sys/block/<name> links to its place under
// /sys/devices, e.g. ../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda.
std::string transportOf(std::string_view name, std::string_view devicePath) {
  auto has = [&](std::string_view part) { return devicePath.find(part) != std::string_view::npos; };
  if (startsWith(name, "nvme") || has("/nvme")) return "nvme";
  if (has("/virtio")) return "virtio";  // virtio-blk, and virtio-scsi's sdX too
  if (has("/usb")) return "usb";
  if (startsWith(name, "mmcblk") || has("/mmc_host/")) return "mmc";
  if (has("/end_device-") || has("/sas_")) return "sas";  // SAS transport class (mpt3sas, megaraid in JBOD)
  if (has("/ata")) return "sata";                          // libata: ahci, ata_piix
  if (has("/host") && has("/target")) return "scsi";
  return {};
}

}  // namespace

std::vector<BlockDevice> collectBlockDevices(const Sysroot& sysroot, const FilesystemStats& filesystems,
                                             Warnings& warnings) {
  std::vector<BlockDevice> disks;
  const std::vector<std::string> names = sysroot.listDir(kSysBlock);
  if (names.empty()) {
    addWarning(warnings, "cannot list /sys/block: disks unknown");
    return disks;
  }
  const MountIndex mountIndex = indexMounts(sysroot, warnings);

  for (const std::string& name : names) {
    if (std::any_of(kVirtualDevicePrefixes.begin(), kVirtualDevicePrefixes.end(),
                    [&](std::string_view prefix) { return startsWith(name, prefix); })) {
      continue;
    }
    const std::string dir = std::string(kSysBlock) + "/" + name;
    if (readFlag(sysroot, dir + std::string(kHidden))) continue;

    BlockDevice disk;
    disk.name = name;
    if (auto size = readSizeBytes(sysroot, dir)) {
      disk.sizeBytes = *size;
    } else {
      addWarning(warnings, "cannot read " + dir + "/size: size of " + name + " unknown");
    }
    disk.rotational = readFlag(sysroot, dir + std::string(kRotational));
    disk.removable = readFlag(sysroot, dir + std::string(kRemovable));
    disk.readOnly = readFlag(sysroot, dir + std::string(kReadOnly));
    disk.model = readTrimmed(sysroot, dir + std::string(kModel));
    for (std::string_view serialFile : kSerialFiles) {
      disk.serial = readTrimmed(sysroot, dir + std::string(serialFile));
      if (!disk.serial.empty()) break;
    }
    disk.transport = transportOf(name, sysroot.readLink(dir).value_or(""));
    disk.holders = sysroot.listDir(dir + std::string(kHolders));
    disk.mounts = mountsOf(sysroot, dir, name, mountIndex, filesystems);

    // Partitions are the subdirectories named after the disk that hold a `partition` file
    // (its number, used to order sda2 before sda10).
    std::vector<std::pair<uint64_t, Partition>> numbered;
    for (const std::string& entry : sysroot.listDir(dir)) {
      if (entry.size() <= name.size() || !startsWith(entry, name)) continue;
      const std::string partitionDir = dir + "/" + entry;
      auto number = sysroot.readFile(partitionDir + std::string(kPartitionMarker));
      if (!number) continue;
      Partition partition;
      partition.name = entry;
      if (auto size = readSizeBytes(sysroot, partitionDir)) {
        partition.sizeBytes = *size;
      } else {
        addWarning(warnings, "cannot read " + partitionDir + "/size: size of " + entry + " unknown");
      }
      partition.holders = sysroot.listDir(partitionDir + std::string(kHolders));
      partition.mounts = mountsOf(sysroot, partitionDir, entry, mountIndex, filesystems);
      numbered.emplace_back(parsers::parseUnsigned(*number).value_or(0), std::move(partition));
    }
    std::stable_sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [number, partition] : numbered) disk.partitions.push_back(std::move(partition));

    disk.looksLikeFreeDataDisk = disk.partitions.empty() && disk.mounts.empty() && disk.holders.empty() &&
                                 !disk.removable && !disk.readOnly && disk.sizeBytes >= kMinFreeDataDiskBytes;
    disks.push_back(std::move(disk));
  }
  return disks;
}

}  // namespace floe::agent
