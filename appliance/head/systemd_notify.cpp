#include "head/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "floe/common/file_descriptor.h"

namespace floe::appliance {
namespace {

constexpr const char* kNotifySocketVariable = "NOTIFY_SOCKET";

}  // namespace

Status notifySystemd(std::string_view state) {
  const char* socketName = std::getenv(kNotifySocketVariable);
  if (socketName == nullptr || socketName[0] == '\0') return Status::ok();
  std::string name(socketName);

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (name.size() >= sizeof(address.sun_path)) {
    return invalidArgument(std::string(kNotifySocketVariable) + "='" + name + "' is longer than a unix socket path may be");
  }
  if (name[0] != '/' && name[0] != '@') {
    return invalidArgument(std::string(kNotifySocketVariable) + "='" + name +
                           "' is neither an absolute path nor an abstract socket name (@...)");
  }
  std::memcpy(address.sun_path, name.data(), name.size());
  // Abstract namespace: the name starts with a NUL byte instead of '@' and is not
  // NUL-terminated, so the address length must count exactly its bytes.
  if (name[0] == '@') address.sun_path[0] = '\0';
  auto addressLength = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());

  FileDescriptor fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return ioError(std::string("creating a socket to notify systemd: ") + std::strerror(errno));
  ssize_t sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address), addressLength);
  if (sent < 0) {
    return ioError("notifying systemd at " + name + " (" + std::string(state) + "): " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace floe::appliance
