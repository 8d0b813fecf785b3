// `floe serve`: open the state, load the PKI, serve the API over HTTPS, sweep for
// lost nodes, and shut down cleanly on SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "console/console_assets.h"
#include "console/session_store.h"
#include "floe/common/status.h"
#include "floe/http/https_server.h"

namespace floe::appliance {

struct ServeOptions {
  std::filesystem::path dataDir;
  std::string sysroot = "/";  // where the head's own inventory is read
  std::filesystem::path downloadsDir;  // empty: <data-dir>/downloads
  std::string listen = "0.0.0.0:9443";
  std::chrono::milliseconds heartbeatInterval{5000};
  int joinFailuresPerMinute = 10;
  unsigned threads = 2;
  http::ServerLimits limits;
  bool tls13RecordLayer = true;  // --tls-keep-openssl: false (https_server.h says why)
  console::ConsoleAssets consoleAssets;  // empty: / says the console is not built in
  console::SessionPolicy consoleSessions;
  bool deployStack = true;  // --no-stack: k3s only, no lakehouse stack
  std::chrono::milliseconds stackReconcileInterval{30000};
};

// Blocks until a shutdown signal; returns an error if the head cannot start.
Status serveHead(const ServeOptions& options);

}  // namespace floe::appliance
