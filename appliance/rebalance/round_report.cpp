#include "rebalance/round_report.h"

#include "floe/common/time_format.h"

namespace floe::appliance::rebalance {

nlohmann::json RoundReport::summaryJson() const {
  auto time = [](int64_t millis) {
    return millis > 0 ? nlohmann::json(formatRfc3339(millis / 1000)) : nlohmann::json();
  };
  return {{"id", id},
          {"trigger", trigger},
          {"dry_run", dryRun},
          {"outcome", outcome},
          {"message", message},
          {"started_at", time(startedAtMillis)},
          {"finished_at", time(finishedAtMillis)},
          {"duration_ms", finishedAtMillis > 0 ? nlohmann::json(finishedAtMillis - startedAtMillis) : nlohmann::json()},
          {"spread_before", spreadBefore},
          {"spread_after", spreadAfter},
          {"evictions", evictions}};
}

nlohmann::json RoundReport::toJson() const {
  nlohmann::json out = summaryJson();
  out["detail"] = detail;
  return out;
}

}  // namespace floe::appliance::rebalance
