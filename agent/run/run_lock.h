// One `floe-agent run` per state directory, and a way for `floe-agent leave` to stop
// it. The pid file is held with flock(2), so a stale file from a killed agent never
// blocks a new one and a reused pid is never signalled: only a held lock counts.
#pragma once

#include <chrono>
#include <filesystem>

#include "agent/state/agent_state.h"
#include "floe/common/status.h"

namespace floe::agent {

inline std::filesystem::path runPidFile(const AgentStateDir& stateDir) { return stateDir.root() / "run.pid"; }

class RunLock {
 public:
  // Fails with kFailedPrecondition when another process holds the lock.
  static Result<RunLock> acquire(const std::filesystem::path& pidFile);
  RunLock(RunLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  ~RunLock();

 private:
  RunLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
};

// SIGTERM to the process holding the lock, then waits until it lets go. Ok when nothing
// holds it; an error if it is still held after `timeout`.
Status stopRunningAgent(const std::filesystem::path& pidFile, std::chrono::seconds timeout);

}  // namespace floe::agent
