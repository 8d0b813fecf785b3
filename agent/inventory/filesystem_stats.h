// Size and free space of a mounted filesystem. An interface so tests can answer from a
// map instead of calling statvfs() on paths that only exist on the captured machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace floe::agent {

class Sysroot;

struct FilesystemUsage {
  uint64_t sizeBytes = 0;
  uint64_t freeBytes = 0;  // available to unprivileged users (statvfs f_bavail)
};

class FilesystemStats {
 public:
  virtual ~FilesystemStats() = default;
  // Usage of the filesystem mounted at `mountPoint` (a path inside the sysroot), or
  // nullopt when it cannot be asked.
  virtual std::optional<FilesystemUsage> usage(const std::string& mountPoint) const = 0;
};

// statvfs() on sysroot + mount point. Only asked about mounts of local block devices
// (the block device collector never passes network filesystems), so a hung NFS server
// cannot stall the inventory.
class FilesystemStatsImpl : public FilesystemStats {
 public:
  explicit FilesystemStatsImpl(const Sysroot& sysroot) : sysroot_(sysroot) {}
  std::optional<FilesystemUsage> usage(const std::string& mountPoint) const override;

 private:
  const Sysroot& sysroot_;
};

}  // namespace floe::agent
