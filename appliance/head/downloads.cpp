#include "head/downloads.h"

#include <algorithm>
#include <tuple>

#include "bootstrap/checksums.h"
#include "floe/common/crypto.h"
#include "floe/common/files.h"

namespace floe::appliance {
namespace {

namespace fs = std::filesystem;

std::string contentTypeFor(const std::string& name) {
  auto endsWith = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (endsWith(".deb")) return "application/vnd.debian.binary-package";
  if (endsWith(".rpm")) return "application/x-rpm";
  if (endsWith(".txt") || endsWith("SHA256SUMS")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

bool isServableName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+' || c == '~';
  });
}

Result<DownloadFile> DownloadsDir::describe(const fs::path& file) const {
  std::error_code ec;
  // symlink_status: a link is not followed, so nothing outside the directory is served.
  auto status = fs::symlink_status(file, ec);
  std::string name = file.filename().string();
  if (ec || !fs::is_regular_file(status) || !isServableName(name)) return notFound("no download named " + name);
  uint64_t size = fs::file_size(file, ec);
  if (ec) return notFound("no download named " + name);
  if (size > kMaxFileBytes) return resourceExhausted(name + " is larger than the " + std::to_string(kMaxFileBytes >> 20) + " MiB the head serves");
  int64_t mtime = fs::last_write_time(file, ec).time_since_epoch().count();
  std::string digest;
  {
    std::lock_guard lock(mutex_);
    auto cached = digests_.find(name);
    if (cached != digests_.end() && std::get<0>(cached->second) == size && std::get<1>(cached->second) == mtime) {
      digest = std::get<2>(cached->second);
    }
  }
  if (digest.empty()) {
    FLOE_ASSIGN_OR_RETURN(digest, bootstrap::sha256OfFile(file));
    std::lock_guard lock(mutex_);
    digests_[name] = {size, mtime, digest};
  }
  return DownloadFile{name, size, digest, contentTypeFor(name)};
}

Result<std::vector<DownloadFile>> DownloadsDir::list() const {
  std::vector<DownloadFile> files;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    auto described = describe(entry.path());
    if (described.isOk()) files.push_back(*described);
  }
  if (ec) return ioError("listing " + dir_.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return files;
}

Result<std::pair<DownloadFile, std::string>> DownloadsDir::read(const std::string& name) const {
  if (!isServableName(name)) return notFound("no download named '" + name + "'");
  FLOE_ASSIGN_OR_RETURN(auto file, describe(dir_ / name));
  FLOE_ASSIGN_OR_RETURN(std::string content, readFile(dir_ / name));
  // What is sent is what the digest describes, even if the file was replaced meanwhile.
  file.sha256 = sha256Hex(content);
  file.sizeBytes = content.size();
  return std::make_pair(std::move(file), std::move(content));
}

}  // namespace floe::appliance
