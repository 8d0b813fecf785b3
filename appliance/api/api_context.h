// Everything the API handlers need, wired once by the head server.
#pragma once

#include <chrono>
#include <string>

#include "api/join_rate_limiter.h"
#include "api/metrics.h"
#include "cluster/head_cluster.h"
#include "head/downloads.h"
#include "rebalance/rebalance_controller.h"
#include "floe/common/clock.h"
#include "state/node_registry.h"
#include "state/store.h"
#include "state/token_store.h"

namespace floe::appliance {

namespace console {
struct ConsoleContext;
}

struct HeadInfo {
  std::string version;
  std::string serverUrl;  // how workers reach this head, e.g. https://10.0.0.5:9443
  std::string caPem;
  std::string caSha256;
  std::chrono::milliseconds heartbeatInterval{5000};
  int64_t startedAtMillis = 0;
  // What a joining agent needs for its k3s agent; empty on a head without k3s.
  std::string k3sServerUrl;
  std::string k3sAgentToken;  // secret: only ever sent in a join response
};

struct ApiContext {
  Store& store;
  TokenStore& tokens;
  NodeRegistry& nodes;
  Metrics& metrics;
  JoinRateLimiter& joinLimiter;
  const Clock& clock;
  HeadInfo info;
  ClusterView* cluster = nullptr;  // null on a head without k3s
  const DownloadsDir* downloads = nullptr;  // null: nothing offered under /downloads/
  console::ConsoleContext* console = nullptr;  // null: no web console (console/)
  rebalance::RebalanceController* rebalancer = nullptr;  // null on a head without k3s
};

}  // namespace floe::appliance
