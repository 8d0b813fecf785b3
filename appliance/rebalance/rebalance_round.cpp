#include "rebalance/rebalance_round.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <set>

#include "rebalance/balanced_nodes.h"
#include "rebalance/executor.h"
#include "rebalance/planner.h"
#include "rebalance/spark_capacity.h"
#include "rebalance/utilisation.h"
#include "rebalance/verifier.h"

namespace floe::appliance::rebalance {
namespace {

double rounded(double value) { return std::round(value * 100.0) / 100.0; }

}  // namespace

RebalanceRound::RebalanceRound(std::shared_ptr<const k8s::KubeClient> client, RebalancePolicy policy, const Clock& clock,
                               std::shared_ptr<k8s::Sleeper> sleeper, std::shared_ptr<SteeringJournal> journal)
    : client_(std::move(client)),
      policy_(std::move(policy)),
      clock_(clock),
      sleeper_(sleeper ? std::move(sleeper) : std::make_shared<k8s::SystemSleeper>()),
      journal_(journal ? std::move(journal) : std::make_shared<MemorySteeringJournal>()) {}

RoundReport RebalanceRound::run(const RoundRequest& request, RoundReport report, std::stop_token stop) {
  report.trigger = request.trigger;
  report.dryRun = request.dryRun;
  report.detail = {{"policy", policy_.toJson()}, {"passes", nlohmann::json::array()},
                   {"evictions", nlohmann::json::array()}};
  NodeSteering steering(*client_, *journal_);
  // Every pass releases its steering taints; this catches the exits in between (errors,
  // a stop). A dry run sets none and leaves the cluster exactly as it was.
  auto releaseSteering = [&](nlohmann::json& where) {
    if (request.dryRun) return;
    if (Status released = steering.release(); !released.isOk()) where["steering_error"] = released.message();
  };
  auto finish = [&](std::string outcome, std::string message) {
    releaseSteering(report.detail);
    report.outcome = std::move(outcome);
    report.message = std::move(message);
    report.finishedAtMillis = clock_.nowUnixMillis();
    spdlog::info("rebalance round id={} trigger={} outcome={} spread_before={:.1f} spread_after={:.1f} evictions={} "
                 "duration_ms={} message=\"{}\"",
                 report.id, report.trigger, report.outcome, report.spreadBefore, report.spreadAfter, report.evictions,
                 report.finishedAtMillis - report.startedAtMillis, report.message);
    return report;
  };

  auto snapshot = readClusterSnapshot(*client_, stop);
  if (!snapshot.isOk()) return finish("failed", snapshot.status().withContext("reading the cluster").message());
  UtilisationSummary before = measureUtilisation(*snapshot, policy_);
  report.detail["before"] = before.toJson();
  report.spreadBefore = rounded(before.worstSpread());
  report.spreadAfter = report.spreadBefore;
  report.detail["after"] = report.detail["before"];
  report.detail["spark"] = sparkCapacityJson(*snapshot, policy_);
  report.detail["left_out"] = balancedNodes(*snapshot, policy_).leftOutJson();
  if (before.nodes.size() < 2) {
    return finish("unchanged", "fewer than two Ready, schedulable nodes take part: nothing to balance");
  }

  PlanBudget budget;
  ClusterSnapshot current = std::move(snapshot).value();
  RebalancePolicy planning = policy_;  // steering is turned off for the round if tainting fails
  for (int pass = 1; pass <= policy_.maxPlanningPasses && !stop.stop_requested(); ++pass) {
    Plan plan = planRebalance(current, planning, budget);
    nlohmann::json passReport = {{"pass", pass},
                                 {"planned", plan.evictions.size()},
                                 {"stop_reason", plan.stopReason},
                                 {"predicted_spread", rounded(plan.predicted.worstSpread())}};
    nlohmann::json planJson = plan.toJson();  // named: a range-for over a temporary's member would dangle
    if (pass == 1) {
      report.detail["skipped"] = planJson["skipped"];
      report.detail["skipped_total"] = plan.skippedTotal;
    }
    if (request.dryRun) {
      for (const auto& e : planJson["evictions"]) report.detail["evictions"].push_back(e);
      report.detail["passes"].push_back(passReport);
      report.detail["predicted"] = plan.predicted.toJson();
      report.evictions = static_cast<int>(plan.evictions.size());
      report.spreadAfter = rounded(plan.predicted.worstSpread());
      return finish("dry_run", plan.evictions.empty() ? "nothing would be evicted: " + plan.stopReason
                                                      : std::to_string(plan.evictions.size()) +
                                                            " evictions would bring the spread to " +
                                                            std::to_string(static_cast<int>(std::ceil(report.spreadAfter))) +
                                                            " points or less (" + plan.stopReason + ")");
    }
    if (plan.evictions.empty()) {
      report.detail["passes"].push_back(passReport);
      break;
    }
    if (!plan.steerAwayFrom.empty()) {
      passReport["steered_away_from"] = plan.steerAwayFrom.size();
      if (Status tainted = steering.taint(plan.steerAwayFrom, stop); !tainted.isOk()) {
        // E.g. credentials that may evict pods but not patch Nodes: rebalance without
        // steering (more evictions) rather than not at all. Nothing was evicted yet, so this
        // pass plans again, without assuming the taint.
        spdlog::warn("rebalance cannot steer with a taint, continuing without error=\"{}\"", tainted.message());
        releaseSteering(passReport);
        passReport["steering_error"] = tainted.message();
        passReport["evicted"] = 0;
        report.detail["passes"].push_back(passReport);
        planning.steerWithTaint = false;
        if (stop.stop_requested()) break;
        --pass;
        continue;
      }
    }
    auto outcomes = executeEvictions(*client_, plan.evictions, stop);
    std::set<std::string> evicted;
    int refused = 0;
    for (const auto& outcome : outcomes) {
      report.detail["evictions"].push_back(outcome.toJson());
      if (outcome.result == EvictionResult::kEvicted) {
        evicted.insert(outcome.planned.key());
        budget.doNotEvict.insert(outcome.planned.key());
        ++budget.evictedFromNode[outcome.planned.fromNode];
        ++budget.evicted;
        ++report.evictions;
      }
      if (outcome.result == EvictionResult::kRefusedByBudget) ++refused;
    }
    passReport["evicted"] = evicted.size();
    passReport["refused_by_pdb"] = refused;
    if (evicted.empty()) {
      releaseSteering(passReport);
      report.detail["passes"].push_back(passReport);
      break;  // every eviction refused or failed: re-planning now would plan the same
    }
    auto verified = waitForReplacements(*client_, expectReplacements(current, evicted), policy_.verifyTimeout, clock_,
                                        *sleeper_, stop);
    // The replacements are scheduled (or the wait ended): the next snapshot must not see the taints.
    releaseSteering(passReport);
    if (!verified.isOk()) {
      report.detail["passes"].push_back(passReport);
      return finish("failed", verified.status().withContext("waiting for the replacements of evicted pods").message());
    }
    passReport["replacements_settled"] = verified->settled;
    passReport["waited_ms"] = verified->waited.count();
    if (!verified->settled) passReport["outstanding"] = verified->detail;
    report.detail["passes"].push_back(passReport);
    current = std::move(verified->snapshot);
    UtilisationSummary now = measureUtilisation(current, policy_);
    report.detail["after"] = now.toJson();
    report.spreadAfter = rounded(now.worstSpread());
    if (!verified->settled || now.worstSpread() <= policy_.thresholdPercent) break;
  }
  report.detail["spark"] = sparkCapacityJson(current, policy_);

  double threshold = policy_.thresholdPercent;
  if (report.spreadBefore <= threshold) return finish("already_balanced", "the spread was already within the threshold");
  if (report.spreadAfter <= threshold) {
    return finish("balanced", "spread " + std::to_string(static_cast<int>(std::round(report.spreadBefore))) + " -> " +
                                  std::to_string(static_cast<int>(std::round(report.spreadAfter))) + " points with " +
                                  std::to_string(report.evictions) + " evictions");
  }
  std::string why = report.detail["passes"].empty() ? "" : report.detail["passes"].back().value("stop_reason", "");
  if (!report.detail["passes"].empty() && report.detail["passes"].back().contains("outstanding")) {
    why = "replacements not settled within verify_timeout: " + report.detail["passes"].back()["outstanding"].get<std::string>();
  }
  if (report.spreadAfter < report.spreadBefore) return finish("improved", why);
  return finish("unchanged", why);
}

}  // namespace floe::appliance::rebalance
