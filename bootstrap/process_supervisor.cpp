#include "bootstrap/process_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "bootstrap/child_process.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

int exitCodeOf(int waitStatus) {
  if (WIFEXITED(waitStatus)) return WEXITSTATUS(waitStatus);
  if (WIFSIGNALED(waitStatus)) return 128 + WTERMSIG(waitStatus);
  return -1;
}

std::string describeExit(int waitStatus) {
  if (WIFEXITED(waitStatus)) return "exited with code " + std::to_string(WEXITSTATUS(waitStatus));
  if (WIFSIGNALED(waitStatus)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(waitStatus));
  return "ended";
}

// The last non-empty line of the child's log: usually the reason it exited.
std::string lastLogLine(const fs::path& logFile) {
  std::ifstream in(logFile, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::streamoff>(in.tellg());
  std::streamoff start = size > 4096 ? size - 4096 : 0;
  in.seekg(start);
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  size_t newline = tail.rfind('\n');
  std::string line = newline == std::string::npos ? tail : tail.substr(newline + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

void rotateIfLarge(const fs::path& logFile, size_t maxBytes) {
  std::error_code ec;
  auto size = fs::file_size(logFile, ec);
  if (ec || size <= maxBytes) return;
  fs::path previous = logFile;
  previous += ".1";
  fs::rename(logFile, previous, ec);
}

}  // namespace

ProcessSupervisor::ProcessSupervisor(SupervisedCommand command, ReadinessProbe probe, const Clock& clock)
    : command_(std::move(command)), probe_(std::move(probe)), clock_(clock) {
  status_.mode = "supervised";
}

ProcessSupervisor::~ProcessSupervisor() {
  stop();
  if (notifyFd_ >= 0) ::close(notifyFd_);
}

Status ProcessSupervisor::openNotifySocket() {
  static std::atomic<int> counter{0};
  notifyAddress_ = "@floe-notify-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  notifyFd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (notifyFd_ < 0) return internalError(std::string("notify socket: ") + std::strerror(errno));
  // The kernel then attaches each sender's pid, so only the child itself is believed
  // (systemd's NotifyAccess=main): k3s's own children, such as etcd, notify too.
  int on = 1;
  ::setsockopt(notifyFd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL instead of '@', no file to clean up.
  std::memcpy(address.sun_path + 1, notifyAddress_.data() + 1, notifyAddress_.size() - 1);
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notifyAddress_.size());
  if (::bind(notifyFd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return internalError("binding notify socket " + notifyAddress_ + ": " + std::strerror(errno));
  }
  return Status::ok();
}

// Drains pending notifications; true when the child itself said READY=1.
bool ProcessSupervisor::receivedReady(int childPid) {
  if (notifyFd_ < 0) return false;
  bool ready = false;
  char buffer[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  while (true) {
    iovec data{buffer, sizeof buffer};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t got = ::recvmsg(notifyFd_, &message, 0);
    if (got <= 0) break;
    pid_t sender = 0;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
        sender = credentials.pid;
      }
    }
    std::string_view text(buffer, static_cast<size_t>(got));
    if (sender != childPid) {
      spdlog::debug("ignored notification from pid={} (not the child pid={})", sender, childPid);
      continue;
    }
    ready = ready || text.find("READY=1") != std::string_view::npos;
  }
  return ready;
}

Result<int> ProcessSupervisor::spawn() {
  std::error_code ec;
  fs::create_directories(command_.logFile.parent_path(), ec);
  rotateIfLarge(command_.logFile, command_.maxLogBytes);
  int logFd = ::open(command_.logFile.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (logFd < 0) {
    return ioError("opening " + command_.logFile.string() + " for " + command_.name + "'s output: " +
                   std::strerror(errno));
  }
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed in a multi-threaded process.
  std::vector<char*> argv;
  for (auto& arg : command_.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("NOTIFY_SOCKET=", 0) != 0) environment.emplace_back(*entry);
  }
  if (!notifyAddress_.empty()) environment.push_back("NOTIFY_SOCKET=" + notifyAddress_);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(logFd);
    return internalError("fork for " + command_.name + ": " + std::strerror(error));
  }
  if (pid == 0) {
    unblockAllSignals();
    ::setpgid(0, 0);  // its own group, so stop() reaches its children too
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the supervisor died before prctl took effect
    int devNull = ::open("/dev/null", O_RDONLY);
    if (devNull >= 0) ::dup2(devNull, STDIN_FILENO);
    ::dup2(logFd, STDOUT_FILENO);
    ::dup2(logFd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(logFd);
  return static_cast<int>(pid);
}

Status ProcessSupervisor::start() {
  if (command_.argv.empty()) return invalidArgument(command_.name + ": no command to run");
  if (::access(command_.argv[0].c_str(), X_OK) != 0) {
    return notFound(command_.name + ": " + command_.argv[0] + " is not executable");
  }
  stopping_ = false;
  if (command_.notifyReadiness && notifyFd_ < 0) FLOE_RETURN_IF_ERROR(openNotifySocket());
  FLOE_ASSIGN_OR_RETURN(int pid, spawn());
  spdlog::info("service started name=\"{}\" pid={} log={}", command_.name, pid, command_.logFile.string());
  setState(ServiceState::kStarting, "started, waiting until it is ready");
  thread_ = std::thread([this, pid] { superviseLoop(pid); });
  return Status::ok();
}

void ProcessSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ServiceStatus ProcessSupervisor::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void ProcessSupervisor::setState(ServiceState state, std::string detail) {
  std::lock_guard lock(mutex_);
  if (status_.state != state) status_.sinceUnix = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  status_.state = state;
  status_.detail = std::move(detail);
}

bool ProcessSupervisor::sleepUnlessStopped(milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void ProcessSupervisor::terminate(int pid) {
  ::kill(-pid, SIGTERM);
  auto deadline = clock_.steadyNow() + command_.stopTimeout;
  while (clock_.steadyNow() < deadline) {
    int waitStatus = 0;
    if (::waitpid(pid, &waitStatus, WNOHANG) == pid) {
      spdlog::info("service stopped name=\"{}\" pid={} ({})", command_.name, pid, describeExit(waitStatus));
      return;
    }
    std::this_thread::sleep_for(command_.pollInterval);
  }
  spdlog::warn("service did not stop within {}ms; killing it name=\"{}\" pid={}", command_.stopTimeout.count(),
               command_.name, pid);
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::optional<int> ProcessSupervisor::watchChild(int pid) {
  auto started = clock_.steadyNow();
  auto nextProbe = started;
  bool ready = false;
  while (true) {
    int waitStatus = 0;
    pid_t done = ::waitpid(pid, &waitStatus, WNOHANG);
    if (done == pid) return waitStatus;
    if (done < 0 && errno != EINTR) return 0;  // not our child any more; treat as ended
    if (stopping_) {
      terminate(pid);
      return std::nullopt;
    }
    auto now = clock_.steadyNow();
    if (!ready && receivedReady(pid)) {
      ready = true;
      spdlog::info("service ready name=\"{}\" pid={} (notified READY=1)", command_.name, pid);
      setState(ServiceState::kRunning, "");
    }
    if (!ready && now >= nextProbe) {
      ready = probe_ ? probe_() : now - started >= command_.healthyAfter;
      nextProbe = now + std::chrono::seconds(1);
      if (ready) {
        spdlog::info("service ready name=\"{}\" pid={}", command_.name, pid);
        setState(ServiceState::kRunning, "");
      }
    }
    sleepUnlessStopped(command_.pollInterval);
  }
}

void ProcessSupervisor::superviseLoop(int firstPid) {
  int pid = firstPid;
  milliseconds backoff = command_.initialBackoff;
  while (true) {
    auto started = clock_.steadyNow();
    auto waitStatus = watchChild(pid);
    if (!waitStatus) return;
    std::string why = describeExit(*waitStatus);
    std::string last = lastLogLine(command_.logFile);
    {
      std::lock_guard lock(mutex_);
      status_.lastExit = exitCodeOf(*waitStatus);
      ++status_.restarts;
    }
    if (clock_.steadyNow() - started >= command_.healthyAfter) backoff = command_.initialBackoff;
    spdlog::warn("service {}; restarting in {}ms name=\"{}\" log={} last_line=\"{}\"", why, backoff.count(),
                 command_.name, command_.logFile.string(), last);
    setState(ServiceState::kFailed, command_.name + " " + why + (last.empty() ? "" : ": " + last) +
                                        " (restarting; see " + command_.logFile.string() + ")");
    if (!sleepUnlessStopped(backoff)) return;
    backoff = std::min(command_.maxBackoff, backoff * 2);
    auto next = spawn();
    while (!next.isOk()) {
      spdlog::error("service could not be restarted name=\"{}\" error=\"{}\"", command_.name, next.status().message());
      setState(ServiceState::kFailed, next.status().message());
      if (!sleepUnlessStopped(backoff)) return;
      next = spawn();
    }
    pid = *next;
    setState(ServiceState::kStarting, "restarted, waiting until it is ready");
  }
}

}  // namespace floe::bootstrap
