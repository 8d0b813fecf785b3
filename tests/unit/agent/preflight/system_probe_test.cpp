// SystemProbeImpl against the real kernel: sockets on 127.0.0.1 and a temporary dir.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "agent/preflight/system_probe.h"
#include "../../support/temp_dir.h"

namespace floe::agent {
namespace {

// A socket bound to 127.0.0.1 on a port the kernel picks, held open for the test.
class HeldPort {
 public:
  explicit HeldPort(int type) : fd_(::socket(AF_INET, type | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    if (type == SOCK_STREAM) REQUIRE(::listen(fd_, 1) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~HeldPort() { close(); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

  uint16_t port() const { return port_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

TEST_CASE("SystemProbeImpl: a TCP port with a listener is in use, and free once closed", "[preflight]") {
  const SystemProbeImpl probe("127.0.0.1");
  HeldPort held(SOCK_STREAM);
  auto state = probe.tcpPortState(held.port());
  REQUIRE(state.isOk());
  CHECK(*state == PortState::kInUse);

  held.close();
  state = probe.tcpPortState(held.port());
  REQUIRE(state.isOk());
  CHECK(*state == PortState::kFree);
}

TEST_CASE("SystemProbeImpl: a bound UDP port is in use, and free once closed", "[preflight]") {
  const SystemProbeImpl probe("127.0.0.1");
  HeldPort held(SOCK_DGRAM);
  auto state = probe.udpPortState(held.port());
  REQUIRE(state.isOk());
  CHECK(*state == PortState::kInUse);

  held.close();
  state = probe.udpPortState(held.port());
  REQUIRE(state.isOk());
  CHECK(*state == PortState::kFree);
}

TEST_CASE("SystemProbeImpl: a bind address that is not IPv4 is an error, not a state", "[preflight]") {
  const SystemProbeImpl probe("not-an-address");
  auto state = probe.tcpPortState(6443);
  REQUIRE_FALSE(state.isOk());
  CHECK(state.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("SystemProbeImpl: free space of a missing dir is measured at its nearest existing parent",
          "[preflight]") {
  const SystemProbeImpl probe;
  floe::testing::TempDir dir;
  auto space = probe.freeSpace(dir / "rancher" / "k3s");
  REQUIRE(space.has_value());
  CHECK(space->measuredPath == dir.path());
  CHECK(space->totalBytes > 0);
  CHECK(space->availableBytes <= space->totalBytes);

  space = probe.freeSpace(dir.path());
  REQUIRE(space.has_value());
  CHECK(space->measuredPath == dir.path());
}

TEST_CASE("SystemProbeImpl: the effective uid is this process's", "[preflight]") {
  CHECK(SystemProbeImpl().effectiveUid() == ::geteuid());
}

}  // namespace
}  // namespace floe::agent
