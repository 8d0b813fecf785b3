#include "floe/common/files.h"

#include "floe/common/file_descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace floe {
namespace {

std::string errnoText() { return std::strerror(errno); }

}  // namespace

Result<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ioError("cannot open " + path.string() + ": " + errnoText());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return ioError("cannot read " + path.string() + ": " + errnoText());
  return buffer.str();
}

Status writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                           static_cast<mode_t>(mode)));
  if (fd.get() < 0) return ioError("cannot create " + tmp.string() + ": " + errnoText());
  // open() applies the umask; set the mode explicitly so keys are never wider than asked.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    return ioError("cannot set mode of " + tmp.string() + ": " + errnoText());
  }
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("cannot write " + tmp.string() + ": " + errnoText());
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return ioError("cannot fsync " + tmp.string() + ": " + errnoText());
  if (::close(fd.release()) != 0) return ioError("cannot close " + tmp.string() + ": " + errnoText());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return ioError("cannot rename " + tmp.string() + " to " + path.string() + ": " + errnoText());
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  FileDescriptor dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.get() >= 0) ::fsync(dirFd.get());
  return Status::ok();
}

Status ensureDirectory(const std::filesystem::path& dir, std::filesystem::perms mode) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ioError("cannot create directory " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, mode, std::filesystem::perm_options::replace, ec);
  if (ec) return ioError("cannot set mode of " + dir.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace floe
