// After evictions: wait until every evicted pod is gone and its controller's
// replacement is scheduled (each owner has as many scheduled pods as before, none
// pending), then hand back the cluster as it now is, to measure again.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "floe/common/clock.h"
#include "floe/k8s/kube_client.h"
#include "floe/k8s/sleeper.h"
#include "rebalance/cluster_snapshot.h"

namespace floe::appliance::rebalance {

struct ReplacementExpectation {
  std::set<std::string> evicted;                 // "ns/name" of the pods evicted
  std::map<std::string, int> scheduledPerOwner;  // owner -> scheduled, live pods before
};

// From the snapshot taken before evicting `evicted`.
ReplacementExpectation expectReplacements(const ClusterSnapshot& before, const std::set<std::string>& evicted);

// nullopt when settled; else what is still outstanding, for messages.
std::optional<std::string> outstandingReplacements(const ClusterSnapshot& now, const ReplacementExpectation& expected);

struct VerifyResult {
  bool settled = false;
  std::string detail;  // what was outstanding at the timeout
  ClusterSnapshot snapshot;
  std::chrono::milliseconds waited{0};
};

Result<VerifyResult> waitForReplacements(const k8s::KubeClient& client, const ReplacementExpectation& expected,
                                         std::chrono::milliseconds timeout, const Clock& clock, k8s::Sleeper& sleeper,
                                         std::stop_token stop = {});

}  // namespace floe::appliance::rebalance
