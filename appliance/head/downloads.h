// The files the head offers under /downloads/ (the floe-agent packages), so a worker can
// fetch the agent over TLS pinned to the cluster CA instead of from the internet.
// Only plain files directly in the directory are offered; names are checked, so a
// request can never reach outside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "floe/common/status.h"

namespace floe::appliance {

struct DownloadFile {
  std::string name;
  uint64_t sizeBytes = 0;
  std::string sha256;       // hex; workers can check what they fetched
  std::string contentType;  // by extension: .deb, .rpm, else octet-stream
};

class DownloadsDir {
 public:
  // Files larger than this are not offered: responses are built in memory.
  static constexpr uint64_t kMaxFileBytes = 256ull << 20;

  explicit DownloadsDir(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& path() const { return dir_; }
  // Sorted by name; an absent directory is an empty list.
  Result<std::vector<DownloadFile>> list() const;
  // kNotFound for anything list() would not show (bad names, directories, links).
  Result<std::pair<DownloadFile, std::string>> read(const std::string& name) const;

 private:
  Result<DownloadFile> describe(const std::filesystem::path& file) const;

  std::filesystem::path dir_;
  // name -> (size, mtime, sha256): hashing a package once, not on every listing.
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::tuple<uint64_t, int64_t, std::string>> digests_;
};

// A file name the head serves: 1-255 of [A-Za-z0-9._+~-], not starting with '.'.
bool isServableName(std::string_view name);

}  // namespace floe::appliance
