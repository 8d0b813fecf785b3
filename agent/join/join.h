// `floe-agent join`: pin the head's CA to the token, then join over verified TLS.
//
// Nothing but GET /cacerts is ever sent to a head whose CA does not match the
// token's pin: no token, no CSR, no inventory.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/join/backoff.h"
#include "agent/state/agent_state.h"
#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/http/http_client.h"

namespace floe::agent {

struct JoinRequest {
  std::string headUrl;
  std::string tokenText;  // secret: never logged or printed
  std::optional<std::string> name;
  std::map<std::string, std::string> labels;
  std::string machineId;
  nlohmann::json inventory = nlohmann::json::object();
  nlohmann::json preflight = nlohmann::json::array();
  // How long to keep retrying an unreachable head.
  std::chrono::seconds deadline{120};
};

// Makes HTTP clients; tests may return clients for a real test head.
class HeadClientFactory {
 public:
  virtual ~HeadClientFactory() = default;
  virtual std::unique_ptr<http::HttpClient> unverified() = 0;
  virtual std::unique_ptr<http::HttpClient> verified(const std::string& caFile) = 0;
};

std::unique_ptr<HeadClientFactory> makeHeadClientFactory();

struct JoinDependencies {
  HeadClientFactory& clients;
  const Clock& clock;
  Sleeper sleep;
  std::ostream& progress;
};

// "https://head:9443/" -> "https://head:9443"; anything not https://HOST[:PORT] is an error.
Result<std::string> normaliseHeadUrl(std::string_view url);

Result<JoinedIdentity> joinCluster(const JoinRequest& request, const AgentStateDir& stateDir,
                                   JoinDependencies deps);

}  // namespace floe::agent
