// The list of checks, in the order they run, and what a join makes of their results.
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/preflight/checks.h"
#include "agent/preflight/preflight.h"

namespace floe::agent {
namespace {

struct RegisteredCheck {
  const CheckSpec* spec;
  CheckResult (*run)(const PreflightContext&);
};

// Cheap, local checks first; the name lookup (which may wait on DNS) and the
// filesystem last.
constexpr std::array<RegisteredCheck, 15> kChecks = {{
    {&kRootCheck, &checkRoot},
    {&kOsSupportedCheck, &checkOsSupported},
    {&kKernelVersionCheck, &checkKernelVersion},
    {&kArchitectureCheck, &checkArchitecture},
    {&kCgroupsCheck, &checkCgroups},
    {&kSwapCheck, &checkSwap},
    {&kKernelModulesCheck, &checkKernelModules},
    {&kIpForwardCheck, &checkIpForward},
    {&kApiServerPortCheck, &checkApiServerPort},
    {&kKubeletPortCheck, &checkKubeletPort},
    {&kFlannelPortCheck, &checkFlannelPort},
    {&kTimeSyncCheck, &checkTimeSync},
    {&kHostnameCheck, &checkHostname},
    {&kDiskSpaceCheck, &checkDiskSpace},
    {&kMemoryCheck, &checkMemory},
}};

bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::vector<std::string> knownCheckIds() {
  std::vector<std::string> ids;
  ids.reserve(kChecks.size());
  for (const RegisteredCheck& check : kChecks) ids.emplace_back(check.spec->id);
  return ids;
}

std::vector<CheckResult> runPreflightChecks(const PreflightContext& ctx) {
  std::vector<CheckResult> results;
  results.reserve(kChecks.size());
  for (const RegisteredCheck& check : kChecks) {
    CheckResult result = check.run(ctx);
    spdlog::debug("preflight: check={} result={} observed=\"{}\"", result.id, checkOutcomeName(result.result),
                  result.observed);
    results.push_back(std::move(result));
  }
  return results;
}

std::vector<CheckResult> blockingFailures(const std::vector<CheckResult>& results,
                                          const std::vector<std::string>& ignoredIds) {
  std::vector<CheckResult> blocking;
  for (const CheckResult& result : results) {
    if (result.result == CheckOutcome::kFail && !contains(ignoredIds, result.id)) blocking.push_back(result);
  }
  return blocking;
}

Status validateIgnoredIds(const std::vector<std::string>& ids) {
  const std::vector<std::string> known = knownCheckIds();
  std::vector<std::string> unknown;
  for (const std::string& id : ids) {
    if (!contains(known, id) && !contains(unknown, id)) unknown.push_back(id);
  }
  if (unknown.empty()) return Status::ok();
  std::string message = unknown.size() == 1 ? "unknown check id " : "unknown check ids ";
  for (size_t i = 0; i < unknown.size(); ++i) message += (i == 0 ? "'" : ", '") + unknown[i] + "'";
  message += " given to --ignore-check; valid ids: ";
  for (size_t i = 0; i < known.size(); ++i) message += (i == 0 ? "" : ", ") + known[i];
  return invalidArgument(std::move(message));
}

}  // namespace floe::agent
