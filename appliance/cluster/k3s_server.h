// `floe init`'s k3s step: find k3s, render its server config with tokens floe
// generates, record the installation, and (under systemd) start it and wait until the
// API server is ready. Without systemd, `floe serve` starts and supervises k3s.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bootstrap/command_runner.h"
#include "bootstrap/k3s_paths.h"
#include "floe/common/status.h"
#include "head/data_dir.h"

namespace floe::appliance {

struct K3sServerOptions {
  bool enabled = true;  // --no-k3s: a head without Kubernetes
  std::optional<std::filesystem::path> bundleDir;  // --bundle
  std::optional<std::filesystem::path> binary;     // --k3s-binary
  std::filesystem::path installDir = "/usr/local/bin";
  bootstrap::K3sPaths paths;
  int apiPort = bootstrap::kDefaultK3sApiPort;
  std::string clusterCidr = "10.42.0.0/16";
  std::string serviceCidr = "10.43.0.0/16";
  std::optional<std::string> nodeName;  // default: the inventory's hostname
  std::optional<bool> systemd;          // default: whether systemd is PID 1
  nlohmann::json headInventory;         // the head's hardware, for its Node's labels
  std::chrono::seconds readyTimeout{600};
};

// Before `floe init` creates anything: refuses a bad bundle or a missing k3s, so a
// failed init leaves no half-initialised head behind. Ok when k3s is disabled or
// already set up.
Status checkK3sServerSource(const K3sServerOptions& options, const DataDir& dir);

// Returns lines describing what was done, for the user. Idempotent: when k3s is already
// set up it changes nothing and says so.
Result<std::vector<std::string>> setupK3sServer(const K3sServerOptions& options, const DataDir& dir,
                                                const std::vector<std::string>& advertised,
                                                bootstrap::CommandRunner& runner, std::ostream& progress);

}  // namespace floe::appliance
