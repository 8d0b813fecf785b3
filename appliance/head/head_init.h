// `floe init`: the database, the cluster CA, the head's server certificate, the
// admin client certificate and the k3s server (cluster/k3s_server.h). Safe to run
// again: it only creates what is missing.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/k3s_server.h"
#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "head/data_dir.h"

namespace floe::appliance {

struct InitOptions {
  std::filesystem::path dataDir;
  // Names and IPs workers use to reach this head; the first is used in join commands.
  // Empty: the machine's hostname.
  std::vector<std::string> advertise;
  K3sServerOptions k3s;
  std::ostream* progress = nullptr;  // where waiting for k3s shows its progress
};

struct InitReport {
  std::vector<std::string> created;  // what this run created, for the user
  std::vector<std::string> advertised;
  std::string caSha256;
  // The console's admin password when this run created the account: shown once, never
  // stored in clear or logged.
  std::optional<std::string> consoleAdminPassword;
  bool alreadyInitialised() const { return created.empty(); }
};

Result<InitReport> initHead(const InitOptions& options, const Clock& clock);

// Reads the advertised names stored by init.
Result<std::vector<std::string>> loadAdvertisedNames(const DataDir& dir);

}  // namespace floe::appliance
