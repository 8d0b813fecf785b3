// The real system calls behind the preflight checks.
#include "agent/preflight/system_probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include <spdlog/spdlog.h>

#include "floe/common/file_descriptor.h"
#include "floe/common/files.h"

namespace floe::agent {
namespace {

constexpr std::string_view kKernelModulesDir = "/lib/modules";
constexpr std::string_view kModulesDep = "modules.dep";
constexpr std::string_view kModulesBuiltin = "modules.builtin";

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};

std::string errnoText(int error) { return std::strerror(error); }

Result<PortState> probePort(const std::string& bindAddress, uint16_t port, int socketType) {
  const char* protocol = socketType == SOCK_STREAM ? "tcp" : "udp";
  const std::string what = "binding " + bindAddress + ":" + std::to_string(port) + "/" + protocol;

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, bindAddress.c_str(), &address.sin_addr) != 1) {
    return invalidArgument(what + ": '" + bindAddress + "' is not an IPv4 address");
  }

  FileDescriptor sock(::socket(AF_INET, socketType | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return internalError(what + ": socket(): " + errnoText(errno));

  if (socketType == SOCK_STREAM) {
    // Connections of a stopped k3s linger in TIME_WAIT for a minute; they would make
    // a free port look taken. SO_REUSEADDR ignores them but still fails on a listener.
    // UDP has no TIME_WAIT, and SO_REUSEADDR there would share the port with any
    // socket that set it too, hiding a real owner: UDP binds without it.
    const int enable = 1;
    if (::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable)) != 0) {
      return internalError(what + ": setsockopt(SO_REUSEADDR): " + errnoText(errno));
    }
  }

  // sockaddr_in is layout-compatible with sockaddr by the sockets API's design.
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    if (error == EADDRINUSE) return PortState::kInUse;
    spdlog::debug("preflight: port probe failed port={} protocol={} error=\"{}\"", port, protocol,
                  errnoText(error));
    return ioError(what + ": " + errnoText(error));
  }
  return PortState::kFree;
}

}  // namespace

uid_t SystemProbeImpl::effectiveUid() const { return ::geteuid(); }

Result<PortState> SystemProbeImpl::tcpPortState(uint16_t port) const {
  return probePort(bindAddress_, port, SOCK_STREAM);
}

Result<PortState> SystemProbeImpl::udpPortState(uint16_t port) const {
  return probePort(bindAddress_, port, SOCK_DGRAM);
}

Result<TimeSyncState> SystemProbeImpl::timeSync() const {
  timex clock{};
  clock.modes = 0;  // read only: needs no privilege
  const int state = ::adjtimex(&clock);
  if (state == -1) return ioError("reading the kernel clock state (adjtimex): " + errnoText(errno));
  TimeSyncState sync;
  // An NTP daemon (chrony, systemd-timesyncd, ntpd) clears STA_UNSYNC while it
  // disciplines the clock; the kernel sets it again once maxerror reaches 16 s.
  sync.synchronised = (clock.status & STA_UNSYNC) == 0 && state != TIME_ERROR;
  sync.maxErrorMicros = clock.maxerror;
  return sync;
}

bool SystemProbeImpl::kernelModuleAvailable(std::string_view module) const {
  utsname kernel{};
  if (::uname(&kernel) != 0) return false;
  const std::filesystem::path dir = std::filesystem::path(kKernelModulesDir) / kernel.release;
  for (std::string_view list : {kModulesBuiltin, kModulesDep}) {
    auto text = readFile(dir / list);
    if (!text.isOk()) {
      // Typical after a kernel upgrade without a reboot: the running kernel's modules are gone.
      spdlog::debug("preflight: cannot read module list path={} error=\"{}\"", (dir / list).string(),
                    text.status().message());
      continue;
    }
    if (moduleListContains(*text, module)) return true;
  }
  return false;
}

bool SystemProbeImpl::resolves(const std::string& host) const {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
  if (rc != 0) {
    spdlog::debug("preflight: name does not resolve host={} error=\"{}\"", host, ::gai_strerror(rc));
    return false;
  }
  return list != nullptr;
}

std::optional<DiskSpace> SystemProbeImpl::freeSpace(const std::filesystem::path& path) const {
  std::error_code ec;
  std::filesystem::path candidate = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return std::nullopt;
  while (true) {
    struct statvfs stats {};
    if (::statvfs(candidate.c_str(), &stats) == 0) {
      // f_bavail, not f_bfree: what remains outside the blocks reserved for root, so the
      // figure matches `df` and the inventory's mounts.
      return DiskSpace{candidate, static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize,
                       static_cast<uint64_t>(stats.f_blocks) * stats.f_frsize};
    }
    const int error = errno;
    std::filesystem::path parent = candidate.parent_path();
    if ((error != ENOENT && error != ENOTDIR) || parent.empty() || parent == candidate) {
      spdlog::debug("preflight: cannot measure free space path={} error=\"{}\"", candidate.string(),
                    errnoText(error));
      return std::nullopt;
    }
    candidate = std::move(parent);
  }
}

bool moduleListContains(std::string_view modulesList, std::string_view module) {
  auto normalised = [](std::string_view name) {
    std::string out(name);
    for (char& c : out) c = c == '-' ? '_' : c;
    return out;
  };
  const std::string wanted = normalised(module);
  while (!modulesList.empty()) {
    const size_t end = modulesList.find('\n');
    std::string_view line = modulesList.substr(0, end);
    modulesList = end == std::string_view::npos ? std::string_view() : modulesList.substr(end + 1);
    line = line.substr(0, line.find(':'));  // modules.dep: "path: dependencies"
    const size_t slash = line.rfind('/');
    if (slash != std::string_view::npos) line.remove_prefix(slash + 1);
    const size_t suffix = line.find(".ko");  // .ko, .ko.xz, .ko.zst, .ko.gz
    if (suffix == std::string_view::npos) continue;
    if (normalised(line.substr(0, suffix)) == wanted) return true;
  }
  return false;
}

}  // namespace floe::agent
