// Helpers for the inventory collector tests: the captured host trees under
// tests/fixtures/hosts/, a FilesystemStats answering from a map, and scratch sysroots
// built file by file for odd inputs.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../support/temp_dir.h"
#include "agent/inventory/filesystem_stats.h"
#include "agent/inventory/sysroot.h"

namespace floe::agent::inventory_testing {

inline constexpr uint64_t kGiB = 1ULL << 30;
inline constexpr uint64_t kKiB = 1024;

inline std::string fixtureRoot(std::string_view name) {
  return std::string(FLOE_SOURCE_DIR) + "/tests/fixtures/hosts/" + std::string(name);
}

inline Sysroot fixture(std::string_view name) { return Sysroot(fixtureRoot(name)); }

// Answers statvfs questions from a map, and records what it was asked.
class FakeFilesystemStats : public FilesystemStats {
 public:
  FakeFilesystemStats() = default;
  explicit FakeFilesystemStats(std::map<std::string, FilesystemUsage> usages) : usages_(std::move(usages)) {}

  std::optional<FilesystemUsage> usage(const std::string& mountPoint) const override {
    asked_.push_back(mountPoint);
    auto it = usages_.find(mountPoint);
    if (it == usages_.end()) return std::nullopt;
    return it->second;
  }
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::map<std::string, FilesystemUsage> usages_;
  mutable std::vector<std::string> asked_;
};

// An empty sysroot in a temporary directory, filled by the test.
class ScratchSysroot {
 public:
  void write(std::string_view kernelPath, std::string_view content) {
    auto path = dir_.path() / std::string(kernelPath.substr(1));
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  void mkdir(std::string_view kernelPath) {
    std::filesystem::create_directories(dir_.path() / std::string(kernelPath.substr(1)));
  }
  void link(std::string_view kernelPath, std::string_view target) {
    auto path = dir_.path() / std::string(kernelPath.substr(1));
    std::filesystem::create_directories(path.parent_path());
    std::filesystem::create_symlink(std::string(target), path);
  }
  Sysroot sysroot() const { return Sysroot(dir_.path().string()); }

 private:
  floe::testing::TempDir dir_;
};

inline bool hasWarningContaining(const std::vector<std::string>& warnings, std::string_view text) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& warning) { return warning.find(text) != std::string::npos; });
}

}  // namespace floe::agent::inventory_testing
