#include "agent/run/load_sampler.h"

#include <charconv>
#include <cstdlib>
#include <optional>

#include "floe/common/files.h"

namespace floe::agent {
namespace {

constexpr const char* kLoadAvgPath = "proc/loadavg";
constexpr const char* kMemInfoPath = "proc/meminfo";

std::optional<uint64_t> meminfoKilobytes(std::string_view meminfo, std::string_view key) {
  size_t at = meminfo.find(key);
  while (at != std::string_view::npos && at != 0 && meminfo[at - 1] != '\n') at = meminfo.find(key, at + 1);
  if (at == std::string_view::npos) return std::nullopt;
  size_t pos = at + key.size();
  while (pos < meminfo.size() && (meminfo[pos] == ' ' || meminfo[pos] == '\t')) ++pos;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(meminfo.data() + pos, meminfo.data() + meminfo.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace

nlohmann::json parseLoadAverage(std::string_view loadavg) {
  nlohmann::json out = nlohmann::json::object();
  std::string text(loadavg);
  char* cursor = text.data();
  for (const char* key : {"load1", "load5", "load15"}) {
    char* end = nullptr;
    double value = std::strtod(cursor, &end);
    if (end == cursor) break;
    out[key] = value;
    cursor = end;
  }
  return out;
}

std::optional<uint64_t> parseMemoryUsedBytes(std::string_view meminfo) {
  auto total = meminfoKilobytes(meminfo, "MemTotal:");
  auto available = meminfoKilobytes(meminfo, "MemAvailable:");
  if (!total || !available || *available > *total) return std::nullopt;
  return (*total - *available) * 1024;
}

nlohmann::json LoadSampler::sample() const {
  std::filesystem::path root(sysroot_);
  nlohmann::json out = nlohmann::json::object();
  if (auto loadavg = readFile(root / kLoadAvgPath); loadavg.isOk()) out = parseLoadAverage(*loadavg);
  if (auto meminfo = readFile(root / kMemInfoPath); meminfo.isOk()) {
    if (auto used = parseMemoryUsedBytes(*meminfo)) out["memory_used_bytes"] = *used;
  }
  return out;
}

}  // namespace floe::agent
