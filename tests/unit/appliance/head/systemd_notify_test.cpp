#include "head/systemd_notify.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "floe/common/file_descriptor.h"

namespace floe::appliance {
namespace {

// Sets an environment variable for one test and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (previous_) {
      ::setenv(name_, previous_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

int newDatagramSocket() { return ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

// Binds `fd` at `name` ('@' = abstract), as systemd does for $NOTIFY_SOCKET.
void bindDatagramSocket(const FileDescriptor& fd, const std::string& name) {
  REQUIRE(fd.get() >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(name.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, name.data(), name.size());
  if (name[0] == '@') address.sun_path[0] = '\0';
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0);
}

std::string receiveDatagram(int fd) {
  pollfd waiting{fd, POLLIN, 0};
  REQUIRE(::poll(&waiting, 1, 2000) == 1);  // generous: the datagram is already queued
  char buffer[256];
  ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
  REQUIRE(n >= 0);
  return std::string(buffer, static_cast<size_t>(n));
}

std::filesystem::path uniqueTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "floe-notify-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("notifySystemd: sends READY=1 to a path socket", "[head][systemd]") {
  auto dir = uniqueTempDir();
  auto socketPath = (dir / "notify").string();
  {
    FileDescriptor listener(newDatagramSocket());
    bindDatagramSocket(listener, socketPath);
    ScopedEnv env("NOTIFY_SOCKET", socketPath);

    REQUIRE(notifySystemd("READY=1").isOk());
    CHECK(receiveDatagram(listener.get()) == "READY=1");
    REQUIRE(notifySystemd("STOPPING=1").isOk());
    CHECK(receiveDatagram(listener.get()) == "STOPPING=1");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("notifySystemd: sends to an abstract socket named with '@'", "[head][systemd]") {
  std::string name = "@floe-notify-test-" + std::to_string(::getpid());
  FileDescriptor listener(newDatagramSocket());
  bindDatagramSocket(listener, name);
  ScopedEnv env("NOTIFY_SOCKET", name);

  REQUIRE(notifySystemd("READY=1").isOk());
  CHECK(receiveDatagram(listener.get()) == "READY=1");
}

TEST_CASE("notifySystemd: without NOTIFY_SOCKET it does nothing", "[head][systemd]") {
  ScopedEnv env("NOTIFY_SOCKET", std::nullopt);
  CHECK(notifySystemd("READY=1").isOk());
}

TEST_CASE("notifySystemd: a socket nobody listens on is an error saying where", "[head][systemd]") {
  auto dir = uniqueTempDir();
  auto socketPath = (dir / "nobody").string();
  ScopedEnv env("NOTIFY_SOCKET", socketPath);

  auto status = notifySystemd("READY=1");
  CHECK_FALSE(status.isOk());
  CHECK(status.message().find(socketPath) != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("notifySystemd: a relative name is refused", "[head][systemd]") {
  ScopedEnv env("NOTIFY_SOCKET", std::string("relative/notify"));
  CHECK_FALSE(notifySystemd("READY=1").isOk());
}

}  // namespace
}  // namespace floe::appliance
