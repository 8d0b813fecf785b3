// Carries out a plan's evictions through the Eviction API, so the API server enforces
// PodDisruptionBudgets. A 429 (the budget allows no disruption now) is not retried: the
// pod is reported refused and the round re-plans without it.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "floe/k8s/kube_client.h"
#include "rebalance/planner.h"

namespace floe::appliance::rebalance {

enum class EvictionResult { kEvicted, kRefusedByBudget, kGone, kFailed };
const char* evictionResultName(EvictionResult result);

struct EvictionOutcome {
  PlannedEviction planned;
  EvictionResult result = EvictionResult::kFailed;
  std::string message;  // the API server's words when not evicted
  nlohmann::json toJson() const;
};

// Stops early (the rest unattempted) when stop is requested.
std::vector<EvictionOutcome> executeEvictions(const k8s::KubeClient& client, const std::vector<PlannedEviction>& evictions,
                                              std::stop_token stop = {});

}  // namespace floe::appliance::rebalance
