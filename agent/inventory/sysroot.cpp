#include "agent/inventory/sysroot.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace floe::agent {
namespace {

// Owns a file descriptor from the line it is opened on.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// sysfs attributes are at most a page; most /proc files are a few KB. Files such as
// pci.ids (about 1.3 MB) grow the buffer geometrically.
constexpr size_t kInitialReadSize = 4096;
// Larger files are not something any collector reads; refuse rather than eat memory
// when a sysroot points somewhere unexpected.
constexpr size_t kMaxFileSize = 16 * 1024 * 1024;

}  // namespace

Sysroot::Sysroot(std::string root) : root_(std::move(root)) {
  prefix_ = root_;
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

std::string Sysroot::path(std::string_view kernelPath) const {
  std::string full;
  full.reserve(prefix_.size() + kernelPath.size() + 1);
  full.append(prefix_);
  if (kernelPath.empty() || kernelPath.front() != '/') full.push_back('/');
  full.append(kernelPath);
  return full;
}

std::optional<std::string> Sysroot::readFile(std::string_view kernelPath) const {
  const std::string full = path(kernelPath);
  UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    spdlog::debug("inventory: skipped file path={} error=\"{}\"", full, std::strerror(errno));
    return std::nullopt;
  }
  std::string content;
  // /proc and sysfs files report a size of 0 or 4096 whatever they hold; regular
  // files (pci.ids, os-release) report the truth, which saves regrowing the buffer.
  struct stat info {};
  size_t expected = kInitialReadSize;
  if (::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode) && info.st_size >= 0) {
    expected = std::clamp<size_t>(static_cast<size_t>(info.st_size) + 1, kInitialReadSize, kMaxFileSize);
  }
  content.resize(expected);
  size_t used = 0;
  for (;;) {
    if (used == content.size()) {
      if (content.size() >= kMaxFileSize) {
        spdlog::debug("inventory: skipped file path={} error=\"larger than {} bytes\"", full, kMaxFileSize);
        return std::nullopt;
      }
      content.resize(content.size() * 2);
    }
    ssize_t n = ::read(fd.get(), content.data() + used, content.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      // sysfs returns EINVAL/EIO for attributes the device cannot answer (speed of a
      // link that is down): that is "unknown", not an error worth more than debug.
      spdlog::debug("inventory: skipped file path={} error=\"{}\"", full, std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  content.resize(used);
  return content;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<void*>(data_), size_);
}

std::optional<MappedFile> Sysroot::mapFile(std::string_view kernelPath) const {
  const std::string full = path(kernelPath);
  UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (fd.get() < 0 || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0) {
    spdlog::debug("inventory: skipped file path={} reason=\"missing, unreadable or empty\"", full);
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(info.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) {
    spdlog::debug("inventory: skipped file path={} error=\"mmap: {}\"", full, std::strerror(errno));
    return std::nullopt;
  }
  return MappedFile(data, size);  // the mapping outlives the descriptor
}

std::vector<std::string> Sysroot::listDir(std::string_view kernelPath) const {
  std::vector<std::string> names;
  const std::string full = path(kernelPath);
  std::unique_ptr<DIR, DirCloser> dir(::opendir(full.c_str()));
  if (!dir) {
    spdlog::debug("inventory: skipped directory path={} error=\"{}\"", full, std::strerror(errno));
    return names;
  }
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> Sysroot::readLink(std::string_view kernelPath) const {
  const std::string full = path(kernelPath);
  char buffer[4096];
  ssize_t n = ::readlink(full.c_str(), buffer, sizeof(buffer));
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buffer)) {
    spdlog::debug("inventory: skipped link path={}", full);
    return std::nullopt;
  }
  return std::string(buffer, static_cast<size_t>(n));
}

bool Sysroot::exists(std::string_view kernelPath) const {
  const std::string full = path(kernelPath);
  return ::access(full.c_str(), F_OK) == 0;
}

std::string_view linkBasename(std::string_view target) {
  while (!target.empty() && target.back() == '/') target.remove_suffix(1);
  auto slash = target.rfind('/');
  return slash == std::string_view::npos ? target : target.substr(slash + 1);
}

}  // namespace floe::agent
