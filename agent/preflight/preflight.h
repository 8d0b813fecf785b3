// `floe-agent check`: can this machine become a k3s node of a floe cluster?
//
// Each check has a stable kebab-case id (what `--ignore-check ID` names), a severity
// saying whether it can block a join, and per run a result, what was observed and how
// to fix it. The results go to the operator (renderCheckResults) and to the head, in
// the join request's "preflight" field (checkResultsToJson).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/inventory/inventory.h"
#include "agent/preflight/system_probe.h"
#include "floe/common/status.h"

namespace floe::agent {

// What a failure of the check means: kFail blocks the join unless ignored, kWarn only
// advises.
enum class Severity { kFail, kWarn };

// A fail-severity check reports kWarn, not kFail, for an advisory finding or when it
// could not observe what it checks (a host agent reports what it can on odd machines;
// it does not block a join on a probe that did not work).
enum class CheckOutcome { kPass, kWarn, kFail };

struct CheckResult {
  std::string id;
  Severity severity = Severity::kFail;
  CheckOutcome result = CheckOutcome::kPass;
  std::string observed;  // a plain sentence with the numbers
  std::string hint;      // what to do; empty when the check passed
};

struct PreflightContext {
  const Inventory& inventory;
  const SystemProbe& probe;
  // Where k3s keeps its data; the disk-space check measures its filesystem.
  std::filesystem::path dataDir = "/var/lib/rancher";
  // A k3s of this cluster already runs here (re-join): its ports are expected in use.
  bool k3sRunning = false;
};

// "fail" | "warn"; "pass" | "warn" | "fail".
std::string_view severityName(Severity severity);
std::string_view checkOutcomeName(CheckOutcome outcome);

// Every check id, in the order the checks run.
std::vector<std::string> knownCheckIds();

// Runs every check; never fails as a whole.
std::vector<CheckResult> runPreflightChecks(const PreflightContext& ctx);

// The results that block a join: failed, and not named in `ignoredIds`.
std::vector<CheckResult> blockingFailures(const std::vector<CheckResult>& results,
                                          const std::vector<std::string>& ignoredIds);

// invalidArgument naming the valid ids when an id given to --ignore-check is unknown.
Status validateIgnoredIds(const std::vector<std::string>& ids);

// [{"id","severity","result","observed","hint"}, ...] as sent to the head.
nlohmann::json checkResultsToJson(const std::vector<CheckResult>& results);

// For people: a line per check (PASS/WARN/FAIL, id, observation), the hint under each
// warning or failure, and a summary line.
std::string renderCheckResults(const std::vector<CheckResult>& results);

}  // namespace floe::agent
