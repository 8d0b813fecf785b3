// What one rebalancing round did: per-node utilisation before and after, the
// evictions and their results, each planning pass, the Spark capacity, how long it took
// and the outcome. Stored in SQLite (report_store.h) and served by the API as JSON.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace floe::appliance::rebalance {

// running, dry_run, already_balanced, balanced, improved, unchanged, failed
struct RoundReport {
  int64_t id = 0;
  std::string trigger;  // node-ready:NAME, capacity:NAME, schedule, api, cli
  bool dryRun = false;
  std::string outcome = "running";
  std::string message;
  int64_t startedAtMillis = 0;
  int64_t finishedAtMillis = 0;
  double spreadBefore = 0;  // worst resource spread, percentage points
  double spreadAfter = 0;
  int evictions = 0;        // pods actually evicted (planned ones in a dry run)
  nlohmann::json detail = nlohmann::json::object();  // before, after, evictions, passes, skipped, spark, policy

  nlohmann::json summaryJson() const;  // without detail
  nlohmann::json toJson() const;       // summary plus detail
};

}  // namespace floe::appliance::rebalance
