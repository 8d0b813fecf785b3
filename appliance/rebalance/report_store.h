// Rebalance reports in the head's SQLite database (table rebalance_reports): a row is
// inserted when a round starts (outcome "running") and completed when it ends, so a
// crash mid-round leaves a visible trace; the head marks such rows "interrupted" at start.
#pragma once

#include <vector>

#include "floe/common/status.h"
#include "rebalance/round_report.h"
#include "state/store.h"

namespace floe::appliance::rebalance {

class ReportStore {
 public:
  explicit ReportStore(Store& store) : store_(store) {}

  // Inserts the report and returns its id.
  Result<int64_t> insert(const RoundReport& report);
  Status update(const RoundReport& report);
  Result<RoundReport> get(int64_t id);
  // Newest first, without detail.
  Result<std::vector<RoundReport>> list(int limit);
  // Rounds left "running" by a head that stopped mid-round.
  Status markInterrupted();
  Store& store() { return store_; }

 private:
  Store& store_;
};

}  // namespace floe::appliance::rebalance
