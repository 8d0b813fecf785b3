// `floe-agent inventory [--json] [--sysroot DIR]`: prints this machine's hardware inventory.
#pragma once

#include <ostream>
#include <string>

namespace floe::agent {

struct InventoryCommandOptions {
  bool json = false;
  std::string sysroot = "/";  // a captured tree to read instead of this machine
};

// Collects and prints; returns the process exit code (0, or 1 when the sysroot is unusable).
int runInventoryCommand(const InventoryCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace floe::agent
