#include "load_stats.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>

namespace floe::bench {

LatencySummary summarise(std::vector<uint32_t>& samplesUs) {
  LatencySummary summary;
  summary.count = samplesUs.size();
  if (samplesUs.empty()) return summary;
  std::sort(samplesUs.begin(), samplesUs.end());
  auto rank = [&](double q) {
    size_t index = static_cast<size_t>(q * static_cast<double>(samplesUs.size()) + 0.999999);
    index = std::clamp<size_t>(index, 1, samplesUs.size());
    return static_cast<double>(samplesUs[index - 1]) / 1000.0;
  };
  summary.p50Ms = rank(0.50);
  summary.p99Ms = rank(0.99);
  summary.maxMs = static_cast<double>(samplesUs.back()) / 1000.0;
  double total = std::accumulate(samplesUs.begin(), samplesUs.end(), 0.0);
  summary.meanMs = total / static_cast<double>(samplesUs.size()) / 1000.0;
  return summary;
}

std::optional<ProcessSample> sampleProcess(int pid) {
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  std::ifstream stat(base + "/stat");
  if (!status || !stat) return std::nullopt;
  ProcessSample sample;
  std::string line;
  while (std::getline(status, line)) {
    auto kb = [&](std::string_view key) -> std::optional<uint64_t> {
      if (line.rfind(key, 0) != 0) return std::nullopt;
      return std::stoull(line.substr(key.size())) * 1024;
    };
    if (auto v = kb("VmRSS:")) sample.rssBytes = *v;
    if (auto v = kb("VmHWM:")) sample.hwmBytes = *v;
  }
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name may contain spaces; fields are counted after its closing paren.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  // Field 3 (state) is the first after the paren; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14 || index == 15) sample.cpuTicks += std::stoull(field);
  }
  return sample;
}

long ticksPerSecond() { return sysconf(_SC_CLK_TCK); }

}  // namespace floe::bench
