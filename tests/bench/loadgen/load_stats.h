// What floe-loadgen measures besides the requests themselves: latency percentiles and
// the head's resource use read from /proc/<pid>.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace floe::bench {

struct LatencySummary {
  uint64_t count = 0;
  double p50Ms = 0, p99Ms = 0, maxMs = 0, meanMs = 0;
};

// Nearest-rank percentiles of samples in microseconds; sorts `samplesUs`.
LatencySummary summarise(std::vector<uint32_t>& samplesUs);

struct ProcessSample {
  uint64_t rssBytes = 0;   // VmRSS
  uint64_t hwmBytes = 0;   // VmHWM (peak RSS since start)
  uint64_t cpuTicks = 0;   // utime + stime, in clock ticks
};

// Reads /proc/<pid>/status and /proc/<pid>/stat; nullopt when the process is gone.
std::optional<ProcessSample> sampleProcess(int pid);

// Clock ticks per second (sysconf(_SC_CLK_TCK)).
long ticksPerSecond();

}  // namespace floe::bench
