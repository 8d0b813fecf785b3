// Runs a short command (systemctl) and collects its output. An interface so the
// systemd path can be tested where systemd is not PID 1 (every test machine here).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "floe/common/status.h"

namespace floe::bootstrap {

struct CommandOutput {
  int exitCode = 0;
  std::string output;  // stdout and stderr together, as a user would see them
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // An error only when the command could not be run at all; a non-zero exit is output.
  virtual Result<CommandOutput> run(const std::vector<std::string>& argv) = 0;
};

std::unique_ptr<CommandRunner> makeCommandRunner();

}  // namespace floe::bootstrap
