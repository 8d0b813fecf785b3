// The root every inventory collector reads /proc, /sys, /etc and /run under.
// Production uses "/"; tests point it at a captured tree in tests/fixtures/hosts/<name>/.
//
// Paths given to the methods are absolute kernel paths ("/proc/meminfo"); the sysroot
// is prefixed to them. Symlinks are followed by the OS, so a captured tree must keep
// its symlinks relative (tests/fixtures/hosts/capture.sh does).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::agent {

// A read-only memory map of a whole file, unmapped on destruction. For large files
// scanned once (pci.ids, ~1.3 MB): no copy, and only the pages the scan touches are read.
class MappedFile {
 public:
  MappedFile(const void* data, size_t size) : data_(data), size_(size) {}
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile& operator=(MappedFile&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }

  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  const void* data_;
  size_t size_;
};

class Sysroot {
 public:
  explicit Sysroot(std::string root = "/");

  const std::string& root() const { return root_; }
  // True when reading the live machine: only then may a collector ask the running
  // kernel directly (uname(), getifaddrs()) for what has no file under /proc or /sys.
  bool isHostRoot() const { return prefix_.empty(); }
  // The path on this machine for a kernel path under the sysroot.
  std::string path(std::string_view kernelPath) const;

  // The whole file, or nullopt when it is missing or unreadable (logged at debug).
  std::optional<std::string> readFile(std::string_view kernelPath) const;
  // A regular file mapped into memory, or nullopt when missing, unreadable or empty.
  std::optional<MappedFile> mapFile(std::string_view kernelPath) const;
  // Entry names (no "." or ".."), sorted; empty when the directory is missing.
  std::vector<std::string> listDir(std::string_view kernelPath) const;
  // The symlink's target as stored (often relative), or nullopt when not a symlink.
  std::optional<std::string> readLink(std::string_view kernelPath) const;
  bool exists(std::string_view kernelPath) const;

 private:
  std::string root_;
  std::string prefix_;  // root_ without a trailing '/'; empty for "/"
};

// "../../../bus/pci/drivers/nvme" -> "nvme"
std::string_view linkBasename(std::string_view target);

}  // namespace floe::agent
