// `floe-agent run`: heartbeats to the head over mutual TLS on one kept-alive
// connection; the full inventory only when its hash changed or the head asks.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "agent/run/stop_signal.h"
#include "agent/state/agent_state.h"
#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/http/http_client.h"

namespace floe::agent {

struct HeartbeatDependencies {
  // Makes a client with mutual TLS using the node's certificate in the state dir, trusting
  // the pinned CA. Called again when a re-join replaced the certificate.
  std::function<std::unique_ptr<http::HttpClient>()> connect;
  const Clock& clock;
  StopSignal& stop;
  std::function<nlohmann::json()> collectInventory;
  std::function<nlohmann::json()> collectLoad;
  std::function<nlohmann::json()> collectK3sState;
  // Called with the reply's `k3s` ({server_url, token}) when the head offers it: a node
  // that joined pending gets its k3s parameters this way once an admin approves it.
  std::function<void(const nlohmann::json& k3s)> onK3sOffered;
};

struct HeartbeatSettings {
  std::chrono::milliseconds defaultInterval{5000};
  // How often the inventory is re-collected to notice hardware changes.
  std::chrono::seconds inventoryRefresh{60};
  std::chrono::milliseconds maxBackoff{30'000};
};

// Runs until stopped (returns ok) or until the head says this node no longer
// exists or this certificate is not its own (returns the error: re-join needed).
Status runHeartbeatLoop(const JoinedIdentity& identity, const AgentStateDir& stateDir,
                        HeartbeatDependencies deps, HeartbeatSettings settings = {});

}  // namespace floe::agent
