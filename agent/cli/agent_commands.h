// What each `floe-agent` subcommand does once its flags are parsed.
#pragma once

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/k3s/k3s_agent.h"
#include "agent/state/agent_state.h"
#include "floe/common/status.h"

namespace floe::agent {

struct AgentCliContext {
  AgentStateDir stateDir{kDefaultStateDir};
  std::string sysroot = "/";
  bool json = false;
  std::ostream& out = std::cout;
};

struct JoinFlags {
  std::string headUrl;
  std::string token;  // secret
  std::optional<std::string> name;
  std::vector<std::string> labels;  // k=v
  std::vector<std::string> ignoredChecks;
  std::chrono::seconds deadline{120};
  K3sAgentOptions k3s;
};

Status runJoinCommand(const AgentCliContext& ctx, const JoinFlags& flags);
Status runAgentService(const AgentCliContext& ctx, std::chrono::seconds inventoryRefresh);
Status runStatusCommand(const AgentCliContext& ctx);
Status runLeaveCommand(const AgentCliContext& ctx, bool force);
Status runCheckCommand(const AgentCliContext& ctx, const std::vector<std::string>& ignoredChecks);

}  // namespace floe::agent
