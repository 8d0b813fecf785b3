// What floe reports about a k3s service (server or agent), in heartbeats, `floe status`
// and the API. The state names are the wire values the head accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace floe::bootstrap {

enum class ServiceState { kNotInstalled, kStarting, kRunning, kFailed };

std::string_view serviceStateName(ServiceState state);

struct ServiceStatus {
  ServiceState state = ServiceState::kNotInstalled;
  std::string mode;              // "supervised" | "systemd" | "" (not installed)
  int restarts = 0;              // since this supervisor started
  std::optional<int> lastExit;   // exit code, or 128+signal, of the last run that ended
  std::string detail;            // for the user: why it failed, what it waits for
  int64_t sinceUnix = 0;         // when the state last changed

  nlohmann::json toJson() const;
};

}  // namespace floe::bootstrap
