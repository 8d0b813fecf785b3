// Memory, swap and the free space under the k3s data dir.
#include <string>

#include "agent/preflight/checks.h"

namespace floe::agent {

CheckResult checkSwap(const PreflightContext& ctx) {
  const MemoryInfo& memory = ctx.inventory.memory;
  if (memory.swapTotalBytes == 0) return kSwapCheck.pass("swap is off");
  return kSwapCheck.failed("swap is on (" + formatBytesFloor(memory.swapTotalBytes) + ", " +
                               formatBytesFloor(memory.swapFreeBytes) +
                               " free); k3s and the kubelet expect swap off: pod memory limits and "
                               "evictions assume memory is not swapped",
                           "`swapoff -a`, and remove or comment out the swap lines in /etc/fstab so it "
                           "stays off after a reboot");
}

CheckResult checkDiskSpace(const PreflightContext& ctx) {
  const std::string dataDir = ctx.dataDir.string();
  const std::string needed = formatBytesFloor(kMinDataDirFreeBytes) + " needed";
  const auto space = ctx.probe.freeSpace(ctx.dataDir);
  if (!space) {
    return kDiskSpaceCheck.warn("the free space of the filesystem holding " + dataDir + " could not be measured",
                                "check with `df -h " + dataDir + "`: " + needed);
  }
  std::string where = "the filesystem holding " + dataDir;
  if (space->measuredPath != ctx.dataDir) {
    where += " (measured at " + space->measuredPath.string() + ", as " + dataDir + " does not exist yet)";
  }
  const std::string figures =
      formatBytesFloor(space->availableBytes) + " free of " + formatBytesFloor(space->totalBytes) + " on " + where;
  if (space->availableBytes >= kMinDataDirFreeBytes) return kDiskSpaceCheck.pass(figures + "; " + needed);
  return kDiskSpaceCheck.failed(
      "only " + figures + "; k3s images and container data need at least " + formatBytesFloor(kMinDataDirFreeBytes),
      "free space there (`du -xsh " + space->measuredPath.string() +
          "/* | sort -h` shows what uses it), or mount a larger disk at " + dataDir);
}

CheckResult checkMemory(const PreflightContext& ctx) {
  const uint64_t total = ctx.inventory.memory.totalBytes;
  if (total == 0) {
    return kMemoryCheck.warn("the total memory could not be read, so it was not checked",
                             "check `free -h`: floe needs " + formatBytesFloor(kMinMemoryBytes) + ", " +
                                 formatBytesFloor(kRecommendedMemoryBytes) + " recommended");
  }
  // MemTotal is what the kernel manages, a little under the installed size.
  const std::string figures = formatBytesFloor(total) + " of memory (MemTotal)";
  const std::string requirement =
      formatBytesFloor(kMinMemoryBytes) + " is the minimum, " + formatBytesFloor(kRecommendedMemoryBytes) +
      " recommended";
  if (total < kMinMemoryBytes) {
    return kMemoryCheck.failed(figures + " is below the minimum: " + requirement,
                               "add memory (or give the VM more) to reach at least " +
                                   formatBytesFloor(kRecommendedMemoryBytes));
  }
  if (total < kRecommendedMemoryBytes) {
    return kMemoryCheck.warn(figures + " is below the recommended " + formatBytesFloor(kRecommendedMemoryBytes) +
                                 ": k3s leaves little room for Spark executors",
                             "add memory (or give the VM more) to reach at least " +
                                 formatBytesFloor(kRecommendedMemoryBytes));
  }
  return kMemoryCheck.pass(figures + "; " + requirement);
}

}  // namespace floe::agent
