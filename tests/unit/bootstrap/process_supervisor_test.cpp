#include "bootstrap/process_supervisor.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "../support/temp_dir.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Real child processes (small shell scripts): the supervisor's whole job is fork, exec,
// wait and signal, which only real processes exercise.
fs::path script(const testing::TempDir& dir, const std::string& name, const std::string& body) {
  fs::path path = dir.path() / name;
  REQUIRE(writeFileAtomically(path, "#!/bin/sh\n" + body, fs::perms::owner_all).isOk());
  return path;
}

SupervisedCommand fastCommand(const testing::TempDir& dir, const fs::path& program) {
  SupervisedCommand command;
  command.name = "test child";
  command.argv = {program.string()};
  command.logFile = dir.path() / "logs" / "child.log";
  command.initialBackoff = 50ms;
  command.maxBackoff = 200ms;
  command.healthyAfter = 1s;
  command.stopTimeout = 5s;
  command.pollInterval = 20ms;
  return command;
}

std::string logText(const fs::path& file) {
  auto text = readFile(file);
  return text.isOk() ? *text : std::string();
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds within = 10s) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return predicate();
}

TEST_CASE("ProcessSupervisor: runs, reports ready, captures output, stops", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  auto program = script(dir, "serve.sh", "echo started; echo oops >&2; exec sleep 60\n");
  std::atomic<bool> ready{false};
  SystemClock clock;
  ProcessSupervisor supervisor(fastCommand(dir, program), [&] { return ready.load(); }, clock);
  REQUIRE(supervisor.start().isOk());
  CHECK(supervisor.status().state == ServiceState::kStarting);
  ready = true;
  CHECK(eventually([&] { return supervisor.status().state == ServiceState::kRunning; }));
  CHECK(eventually([&] { return logText(dir.path() / "logs" / "child.log") == "started\noops\n"; }));
  auto before = std::chrono::steady_clock::now();
  supervisor.stop();
  CHECK(std::chrono::steady_clock::now() - before < 3s);  // SIGTERM ends sleep at once
  CHECK(supervisor.status().restarts == 0);
}

TEST_CASE("ProcessSupervisor: restarts a crashing child and says why", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  auto program = script(dir, "crash.sh", "echo 'fatal: port 6443 in use' >&2; exit 3\n");
  SystemClock clock;
  ProcessSupervisor supervisor(fastCommand(dir, program), nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  CHECK(eventually([&] { return supervisor.status().restarts >= 3; }));
  auto status = supervisor.status();
  CHECK(status.lastExit == 3);
  supervisor.stop();
  status = supervisor.status();
  CHECK(status.state == ServiceState::kFailed);
  CHECK(status.detail.find("exited with code 3: fatal: port 6443 in use") != std::string::npos);
}

TEST_CASE("ProcessSupervisor: without a probe, a child that stays up counts as running",
          "[bootstrap][supervisor]") {
  testing::TempDir dir;
  SystemClock clock;
  ProcessSupervisor supervisor(fastCommand(dir, script(dir, "s.sh", "exec sleep 60\n")), nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  CHECK(eventually([&] { return supervisor.status().state == ServiceState::kRunning; }, 5s));
}

TEST_CASE("ProcessSupervisor: SIGKILL for a child that ignores SIGTERM", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  auto program = script(dir, "stubborn.sh", "trap '' TERM; echo up; while :; do sleep 0.1; done\n");
  auto command = fastCommand(dir, program);
  command.stopTimeout = 500ms;
  SystemClock clock;
  ProcessSupervisor supervisor(command, nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  REQUIRE(eventually([&] { return logText(command.logFile) == "up\n"; }));
  auto before = std::chrono::steady_clock::now();
  supervisor.stop();
  CHECK(std::chrono::steady_clock::now() - before < 3s);
}

TEST_CASE("ProcessSupervisor: a missing program is an error at start", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  SystemClock clock;
  ProcessSupervisor supervisor(fastCommand(dir, dir.path() / "nope"), nullptr, clock);
  auto started = supervisor.start();
  CHECK(started.code() == ErrorCode::kNotFound);
  CHECK(started.message().find("is not executable") != std::string::npos);
}

}  // namespace
}  // namespace floe::bootstrap

namespace floe::bootstrap {
namespace {

// floe-agent blocks SIGTERM in every thread (it sigwaits for it); the mask is inherited
// by threads, fork and exec, so the child must reset it or it could not be stopped.
TEST_CASE("ProcessSupervisor: a child started from a thread blocking SIGTERM still stops at once",
          "[bootstrap][supervisor]") {
  testing::TempDir dir;
  sigset_t term, previous;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &previous);
  SystemClock clock;
  auto command = fastCommand(dir, script(dir, "s.sh", "echo up; exec sleep 60\n"));
  ProcessSupervisor supervisor(command, nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  REQUIRE(eventually([&] { return logText(command.logFile) == "up\n"; }));
  auto before = std::chrono::steady_clock::now();
  supervisor.stop();
  CHECK(std::chrono::steady_clock::now() - before < 2s);  // not the 5 s SIGKILL fallback
}


// The systemd notify protocol, as k3s speaks it: a datagram "READY=1" to $NOTIFY_SOCKET
// ('@' = abstract socket). python3 plays the notifier; `then` is what it runs next.
std::string notifyReady(const std::string& then) {
  return "python3 -c 'import os, socket, time; a = os.environ[\"NOTIFY_SOCKET\"]; "
         "socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b\"READY=1\\n\", \"\\0\" + a[1:]); " +
         then + "'\n";
}

// Readiness can only come from the notification: healthyAfter is out of reach.
SupervisedCommand notifyingCommand(const testing::TempDir& dir, const fs::path& program) {
  auto command = fastCommand(dir, program);
  command.healthyAfter = std::chrono::seconds(60);
  command.notifyReadiness = true;
  return command;
}

TEST_CASE("ProcessSupervisor: a child that notifies READY=1 is running at once", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  auto program = script(dir, "notify.sh", "exec " + notifyReady("time.sleep(60)"));
  SystemClock clock;
  ProcessSupervisor supervisor(notifyingCommand(dir, program), nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  CHECK(eventually([&] { return supervisor.status().state == ServiceState::kRunning; }, 10s));
}

TEST_CASE("ProcessSupervisor: READY=1 from the child's own children does not count", "[bootstrap][supervisor]") {
  testing::TempDir dir;
  // A grandchild (like etcd under k3s) notifies; the child itself never does.
  auto program = script(dir, "grandchild.sh", notifyReady("None") + "echo sent\nexec sleep 60\n");
  auto command = notifyingCommand(dir, program);
  SystemClock clock;
  ProcessSupervisor supervisor(command, nullptr, clock);
  REQUIRE(supervisor.start().isOk());
  REQUIRE(eventually([&] { return logText(command.logFile) == "sent\n"; }));
  std::this_thread::sleep_for(500ms);
  CHECK(supervisor.status().state == ServiceState::kStarting);
}

}  // namespace
}  // namespace floe::bootstrap
