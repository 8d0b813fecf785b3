// The load figures a heartbeat carries: load averages and memory in use.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace floe::agent {

class LoadSampler {
 public:
  explicit LoadSampler(std::string sysroot) : sysroot_(std::move(sysroot)) {}
  // {"load1","load5","load15","memory_used_bytes"}; fields it cannot read are left out.
  nlohmann::json sample() const;

 private:
  std::string sysroot_;
};

// Parsers, separate so tests can feed real file contents.
nlohmann::json parseLoadAverage(std::string_view loadavg);
std::optional<uint64_t> parseMemoryUsedBytes(std::string_view meminfo);

}  // namespace floe::agent
