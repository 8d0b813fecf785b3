#include "agent/cli/agent_commands.h"
#include "agent/cli/host_facts.h"

namespace floe::agent {

Status runCheckCommand(const AgentCliContext& ctx, const std::vector<std::string>& ignoredChecks) {
  FLOE_RETURN_IF_ERROR(validateIgnoredIds(ignoredChecks));
  Inventory inventory = collectHostInventory(ctx.sysroot);
  std::vector<CheckResult> results = runHostChecks(inventory, ctx.stateDir.isJoined());
  if (ctx.json) {
    ctx.out << checkResultsToJson(results).dump(2) << "\n";
  } else {
    ctx.out << renderCheckResults(results);
  }
  auto blocking = blockingFailures(results, ignoredChecks);
  if (blocking.empty()) return Status::ok();
  std::string ids;
  for (const auto& check : blocking) ids += (ids.empty() ? "" : ", ") + check.id;
  // Exit 1 so scripts can gate on it; the same checks would block 'floe-agent join'.
  return failedPrecondition("checks that would block a join: " + ids);
}

}  // namespace floe::agent
