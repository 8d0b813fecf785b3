#include "rebalance/executor.h"

#include <spdlog/spdlog.h>

namespace floe::appliance::rebalance {

const char* evictionResultName(EvictionResult result) {
  switch (result) {
    case EvictionResult::kEvicted: return "evicted";
    case EvictionResult::kRefusedByBudget: return "refused_by_pdb";
    case EvictionResult::kGone: return "gone";
    case EvictionResult::kFailed: return "failed";
  }
  return "?";
}

nlohmann::json EvictionOutcome::toJson() const {
  nlohmann::json out = {{"namespace", planned.ns},       {"pod", planned.name},
                        {"from_node", planned.fromNode}, {"expected_node", planned.expectedNode},
                        {"cpu_millis", planned.requests.cpuMillis}, {"memory_bytes", planned.requests.memoryBytes},
                        {"result", evictionResultName(result)}};
  if (!message.empty()) out["message"] = message;
  return out;
}

std::vector<EvictionOutcome> executeEvictions(const k8s::KubeClient& client, const std::vector<PlannedEviction>& evictions,
                                              std::stop_token stop) {
  std::vector<EvictionOutcome> outcomes;
  for (const auto& eviction : evictions) {
    if (stop.stop_requested()) break;
    EvictionOutcome outcome{eviction, EvictionResult::kEvicted, ""};
    Status status = client.evict(eviction.ns, eviction.name, {}, stop);
    if (!status.isOk()) {
      outcome.message = status.message();
      outcome.result = status.code() == ErrorCode::kResourceExhausted ? EvictionResult::kRefusedByBudget
                       : status.code() == ErrorCode::kNotFound        ? EvictionResult::kGone
                                                                       : EvictionResult::kFailed;
    }
    spdlog::info("rebalance eviction pod={} from={} result={}{}", eviction.key(), eviction.fromNode,
                 evictionResultName(outcome.result), outcome.message.empty() ? "" : " error=\"" + outcome.message + "\"");
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace floe::appliance::rebalance
