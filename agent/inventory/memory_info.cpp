// Memory from /proc/meminfo.
#include <string_view>

#include "agent/inventory/collectors.h"
#include "agent/inventory/parsers.h"

namespace floe::agent {
namespace {

constexpr std::string_view kProcMeminfo = "/proc/meminfo";

}  // namespace

MemoryInfo collectMemoryInfo(const Sysroot& sysroot, Warnings& warnings) {
  MemoryInfo memory;
  auto text = sysroot.readFile(kProcMeminfo);
  if (!text) {
    addWarning(warnings, "cannot read /proc/meminfo: memory sizes unknown");
    return memory;
  }
  const parsers::KeyValues meminfo = parsers::parseMeminfo(*text);
  if (auto total = parsers::meminfoBytes(meminfo, "MemTotal")) {
    memory.totalBytes = *total;
  } else {
    addWarning(warnings, "/proc/meminfo has no readable MemTotal: total memory unknown");
  }
  if (auto available = parsers::meminfoBytes(meminfo, "MemAvailable")) {
    memory.availableBytes = *available;
  } else {
    // Kernels before 3.14 have no MemAvailable; free + page cache is the usual stand-in.
    memory.availableBytes = parsers::meminfoBytes(meminfo, "MemFree").value_or(0) +
                            parsers::meminfoBytes(meminfo, "Buffers").value_or(0) +
                            parsers::meminfoBytes(meminfo, "Cached").value_or(0);
  }
  memory.swapTotalBytes = parsers::meminfoBytes(meminfo, "SwapTotal").value_or(0);
  memory.swapFreeBytes = parsers::meminfoBytes(meminfo, "SwapFree").value_or(0);
  // HugePages_* are page counts (no unit); Hugepagesize is in kB.
  memory.hugePagesTotal = parsers::meminfoBytes(meminfo, "HugePages_Total").value_or(0);
  memory.hugePagesFree = parsers::meminfoBytes(meminfo, "HugePages_Free").value_or(0);
  memory.hugePageSizeBytes = parsers::meminfoBytes(meminfo, "Hugepagesize").value_or(0);
  return memory;
}

}  // namespace floe::agent
