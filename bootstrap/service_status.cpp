#include "bootstrap/service_status.h"

namespace floe::bootstrap {

std::string_view serviceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kNotInstalled: return "not-installed";
    case ServiceState::kStarting: return "starting";
    case ServiceState::kRunning: return "running";
    case ServiceState::kFailed: return "failed";
  }
  return "failed";
}

nlohmann::json ServiceStatus::toJson() const {
  nlohmann::json out = {{"state", serviceStateName(state)},
                        {"mode", mode},
                        {"restarts", restarts},
                        {"detail", detail},
                        {"since_unix", sinceUnix}};
  out["last_exit"] = lastExit ? nlohmann::json(*lastExit) : nlohmann::json();
  return out;
}

}  // namespace floe::bootstrap
