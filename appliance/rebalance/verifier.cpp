#include "rebalance/verifier.h"

#include <algorithm>

namespace floe::appliance::rebalance {
namespace {

constexpr std::chrono::milliseconds kPollInterval{1000};

bool scheduledAndLive(const PodInfo& pod) { return pod.occupiesNode() && !pod.terminating; }

}  // namespace

ReplacementExpectation expectReplacements(const ClusterSnapshot& before, const std::set<std::string>& evicted) {
  ReplacementExpectation expected;
  expected.evicted = evicted;
  std::set<std::string> owners;
  for (const auto& pod : before.pods) {
    if (evicted.count(pod.key()) && !ownerKey(pod).empty()) owners.insert(ownerKey(pod));
  }
  for (const auto& owner : owners) expected.scheduledPerOwner[owner] = 0;
  for (const auto& pod : before.pods) {
    auto it = expected.scheduledPerOwner.find(ownerKey(pod));
    if (it != expected.scheduledPerOwner.end() && scheduledAndLive(pod)) ++it->second;
  }
  return expected;
}

std::optional<std::string> outstandingReplacements(const ClusterSnapshot& now, const ReplacementExpectation& expected) {
  int stillThere = 0, pending = 0;
  std::map<std::string, int> scheduled;
  for (const auto& pod : now.pods) {
    if (expected.evicted.count(pod.key())) ++stillThere;
    std::string owner = ownerKey(pod);
    if (!expected.scheduledPerOwner.count(owner)) continue;
    if (scheduledAndLive(pod)) ++scheduled[owner];
    if (pod.nodeName.empty() && !pod.terminating) ++pending;
  }
  int missing = 0;
  for (const auto& [owner, count] : expected.scheduledPerOwner) missing += std::max(0, count - scheduled[owner]);
  if (stillThere == 0 && pending == 0 && missing == 0) return std::nullopt;
  return std::to_string(stillThere) + " evicted pods still terminating, " + std::to_string(pending) +
         " replacements pending, " + std::to_string(missing) + " replacements not yet created";
}

Result<VerifyResult> waitForReplacements(const k8s::KubeClient& client, const ReplacementExpectation& expected,
                                         std::chrono::milliseconds timeout, const Clock& clock, k8s::Sleeper& sleeper,
                                         std::stop_token stop) {
  auto started = clock.steadyNow();
  VerifyResult result;
  while (true) {
    FLOE_ASSIGN_OR_RETURN(result.snapshot, readClusterSnapshot(client, stop));
    auto outstanding = outstandingReplacements(result.snapshot, expected);
    result.waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock.steadyNow() - started);
    if (!outstanding) {
      result.settled = true;
      return result;
    }
    result.detail = *outstanding;
    if (result.waited >= timeout || !sleeper.sleepFor(kPollInterval, stop)) return result;
  }
}

}  // namespace floe::appliance::rebalance
