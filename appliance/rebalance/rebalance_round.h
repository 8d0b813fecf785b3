// One rebalancing round, start to end: read the cluster, plan, evict, wait for the
// replacements, measure again, and re-plan while the spread is still too wide (up to
// max_planning_passes). A dry run plans only and changes nothing.
#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "floe/common/clock.h"
#include "floe/k8s/kube_client.h"
#include "floe/k8s/sleeper.h"
#include "rebalance/rebalance_policy.h"
#include "rebalance/round_report.h"
#include "rebalance/steering.h"

namespace floe::appliance::rebalance {

struct RoundRequest {
  std::string trigger = "cli";
  bool dryRun = false;
};

class RebalanceRound {
 public:
  // `journal`: where steering taints are written down (the head's SQLite); null: in memory,
  // released by the round itself at its end.
  RebalanceRound(std::shared_ptr<const k8s::KubeClient> client, RebalancePolicy policy, const Clock& clock,
                 std::shared_ptr<k8s::Sleeper> sleeper = nullptr, std::shared_ptr<SteeringJournal> journal = nullptr);

  // Fills `report` (its id and startedAt are the caller's) and returns it finished.
  // Failures end up in the report (outcome "failed", message), not as an error.
  RoundReport run(const RoundRequest& request, RoundReport report, std::stop_token stop = {});

 private:
  std::shared_ptr<const k8s::KubeClient> client_;
  RebalancePolicy policy_;
  const Clock& clock_;
  std::shared_ptr<k8s::Sleeper> sleeper_;
  std::shared_ptr<SteeringJournal> journal_;
};

}  // namespace floe::appliance::rebalance
