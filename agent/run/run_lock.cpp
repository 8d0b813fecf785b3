#include "agent/run/run_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "floe/common/file_descriptor.h"

namespace floe::agent {
namespace {

// The pid written by the holder, or 0 when unreadable.
pid_t readPid(int fd) {
  char buffer[32] = {0};
  ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
  return got > 0 ? static_cast<pid_t>(std::atol(buffer)) : 0;
}

}  // namespace

Result<RunLock> RunLock::acquire(const std::filesystem::path& pidFile) {
  int fd = ::open(pidFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("opening " + pidFile.string() + ": " + std::strerror(errno));
  FileDescriptor owner(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return failedPrecondition("another 'floe-agent run' (pid " + std::to_string(readPid(fd)) +
                              ") is already running for this state directory");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return ioError("writing " + pidFile.string() + ": " + std::strerror(errno));
  }
  return RunLock(owner.release(), pidFile);
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  ::close(fd_);  // releases the lock
}

Status stopRunningAgent(const std::filesystem::path& pidFile, std::chrono::seconds timeout) {
  int fd = ::open(pidFile.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ok();  // no agent ran here
  FileDescriptor owner(fd);
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) return Status::ok();  // stale file: nobody holds it
  pid_t pid = readPid(fd);
  if (pid <= 0) return failedPrecondition(pidFile.string() + " is locked but names no process");
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) return Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return unavailable("the running 'floe-agent run' (pid " + std::to_string(pid) + ") did not stop within " +
                     std::to_string(timeout.count()) + "s; stop it (systemctl stop floe-agent) and leave again");
}

}  // namespace floe::agent
