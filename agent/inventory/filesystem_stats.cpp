#include "agent/inventory/filesystem_stats.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "agent/inventory/sysroot.h"

namespace floe::agent {

namespace {

// Whether `path` is where a filesystem is mounted in this process's view: its device
// differs from its parent's, or it is its own parent (the real "/").
bool isMountPoint(const std::string& path) {
  struct stat self {};
  struct stat parent {};
  if (::stat(path.c_str(), &self) != 0 || ::stat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

}  // namespace

std::optional<FilesystemUsage> FilesystemStatsImpl::usage(const std::string& mountPoint) const {
  const std::string full = sysroot_.path(mountPoint);
  // Under another sysroot (a captured tree, or a host's / bind-mounted into a
  // container) the path may be a plain directory of whatever filesystem holds the
  // tree: statvfs would then describe the wrong disk. Only answer for real mount points.
  if (!sysroot_.isHostRoot() && !isMountPoint(full)) {
    spdlog::debug("inventory: skipped statvfs path={} reason=\"not a mount point under the sysroot\"", full);
    return std::nullopt;
  }
  struct statvfs info {};
  if (::statvfs(full.c_str(), &info) != 0) {
    spdlog::debug("inventory: skipped statvfs path={} error=\"{}\"", full, std::strerror(errno));
    return std::nullopt;
  }
  const uint64_t fragment = info.f_frsize != 0 ? info.f_frsize : info.f_bsize;
  return FilesystemUsage{static_cast<uint64_t>(info.f_blocks) * fragment,
                         static_cast<uint64_t>(info.f_bavail) * fragment};
}

}  // namespace floe::agent
