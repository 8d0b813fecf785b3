#include "rebalance/rebalance_controller.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "cluster/kube_connection.h"
#include "rebalance/cluster_snapshot.h"
#include "rebalance/rebalance_round.h"
#include "state/event_log.h"

namespace floe::appliance::rebalance {
namespace {

constexpr const char* kActor = "system";

std::optional<NodeCapacityState> stateOf(const nlohmann::json& node) {
  auto info = nodeFromObject(node);
  if (!info.isOk()) return std::nullopt;
  return NodeCapacityState{info->ready && !info->unschedulable, info->allocatable.cpuMillis,
                           info->allocatable.memoryBytes, info->allocatable.gpus};
}

}  // namespace

std::string triggerFor(const std::string& nodeName, const std::optional<NodeCapacityState>& before,
                       const NodeCapacityState& after, const TriggerPolicy& triggers) {
  if (!after.available) return "";
  if (!before || !before->available) return triggers.onNodeReady ? "node-ready:" + nodeName : "";
  bool capacityChanged = before->cpuMillis != after.cpuMillis || before->memoryBytes != after.memoryBytes ||
                         before->gpus != after.gpus;
  return capacityChanged && triggers.onCapacityChange ? "capacity:" + nodeName : "";
}

RebalanceController::RebalanceController(RebalanceControllerOptions options, Store& store, const Clock& clock)
    : options_(std::move(options)), reports_(store), clock_(clock) {}

RebalanceController::~RebalanceController() { stop(); }

void RebalanceController::start() {
  if (auto marked = reports_.markInterrupted(); !marked.isOk()) {
    spdlog::warn("rebalance cannot mark interrupted rounds error=\"{}\"", marked.message());
  }
  nextScheduled_ = std::chrono::steady_clock::now() + options_.policy.triggers.interval;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void RebalanceController::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
  if (informer_) informer_->stop();
}

nlohmann::json RebalanceController::status() const {
  std::lock_guard lock(mutex_);
  return {{"connected", connected_},
          {"running_report", running_ ? nlohmann::json(*running_) : nlohmann::json()},
          {"pending_trigger", pendingTrigger_.empty() ? nlohmann::json() : nlohmann::json(pendingTrigger_)},
          {"policy", options_.policy.toJson()}};
}

Result<int64_t> RebalanceController::requestRound(const std::string& trigger) {
  // Held across the insert, so two requests cannot both pass the check. Lock order is
  // always this mutex, then the store's: nothing under the store's lock takes this one.
  std::unique_lock lock(mutex_);
  if (!connected_) return failedPrecondition("the head is not connected to the Kubernetes API yet; try again shortly");
  if (running_ || requested_) {
    return failedPrecondition("a rebalance round is already running (report " +
                              std::to_string(running_ ? *running_ : requested_->first) +
                              "); see 'floe rebalance history'");
  }
  RoundReport report;
  report.trigger = trigger;
  report.startedAtMillis = clock_.nowUnixMillis();
  FLOE_ASSIGN_OR_RETURN(int64_t id, reports_.insert(report));
  requested_ = std::pair{id, trigger};
  lock.unlock();
  wake_.notify_all();
  return id;
}

Result<RoundReport> RebalanceController::dryRun(const std::string& trigger) {
  std::shared_ptr<const k8s::KubeClient> client;
  {
    std::lock_guard lock(mutex_);
    if (!connected_) return failedPrecondition("the head is not connected to the Kubernetes API yet; try again shortly");
    client = client_;
  }
  RoundReport report;
  report.startedAtMillis = clock_.nowUnixMillis();
  RebalanceRound round(client, options_.policy, clock_);
  report = round.run(RoundRequest{trigger, true}, report);
  FLOE_ASSIGN_OR_RETURN(report.id, reports_.insert(report));
  return report;
}

void RebalanceController::trigger(const std::string& reason) {
  std::lock_guard lock(mutex_);
  // Later triggers restart the settle delay; the round names the latest and counts the others.
  pendingTrigger_ = reason;
  ++pendingTriggerCount_;
  pendingDue_ = std::chrono::steady_clock::now() + options_.policy.triggers.settleDelay;
  spdlog::info("rebalance triggered reason={} settle_delay_ms={}", reason, options_.policy.triggers.settleDelay.count());
}

void RebalanceController::onNode(const nlohmann::json& node) {
  auto state = stateOf(node);
  std::string name = node["metadata"].value("name", "");
  if (!state || name.empty()) return;
  std::optional<NodeCapacityState> before;
  bool synced = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = nodes_.find(name); it != nodes_.end()) before = it->second;
    nodes_[name] = *state;
    synced = synced_;
  }
  // The first list only learns the cluster: nodes that were there before the head
  // started are not news.
  if (!synced) return;
  std::string reason = triggerFor(name, before, *state, options_.policy.triggers);
  if (!reason.empty()) {
    trigger(reason);
    wake_.notify_all();
  }
}

bool RebalanceController::connect(std::stop_token stop) {
  client_ = waitForKubeApi(options_.kubeconfig, "rebalancer", stop, [&](std::chrono::milliseconds) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, options_.connectRetry, [] { return false; });
  });
  if (!client_) return false;
  k8s::InformerOptions informerOptions;
  informerOptions.type = k8s::resources::kNodes;
  k8s::InformerHandlers handlers;
  handlers.onUpsert = [this](const nlohmann::json& node) { onNode(node); };
  handlers.onDelete = [this](const nlohmann::json& node) {
    std::lock_guard lock(mutex_);
    nodes_.erase(node["metadata"].value("name", ""));
  };
  handlers.onSynced = [this] {
    std::lock_guard lock(mutex_);
    synced_ = true;
    connected_ = true;
  };
  informer_ = std::make_unique<k8s::Informer>(client_, informerOptions, handlers);
  informer_->start();
  spdlog::info("rebalancer watching Nodes threshold_percent={} on_node_ready={} on_capacity_change={} on_schedule={}",
               options_.policy.thresholdPercent, options_.policy.triggers.onNodeReady,
               options_.policy.triggers.onCapacityChange, options_.policy.triggers.onSchedule);
  return true;
}

void RebalanceController::run(std::stop_token stop) {
  if (!connect(stop)) return;
  // Steering taints a head that stopped mid-pass left on nodes (journalled in SQLite).
  StoreSteeringJournal journal(reports_.store(), clock_);
  if (Status released = NodeSteering(*client_, journal).release(); !released.isOk()) {
    spdlog::warn("rebalance cannot remove steering taints left by an earlier run error=\"{}\"", released.message());
  }
  while (!stop.stop_requested()) {
    std::optional<std::pair<int64_t, std::string>> work;
    std::string automatic;
    {
      std::unique_lock lock(mutex_);
      auto now = std::chrono::steady_clock::now();
      auto due = std::chrono::steady_clock::time_point::max();
      if (!pendingTrigger_.empty()) due = pendingDue_;
      if (options_.policy.triggers.onSchedule) due = std::min(due, nextScheduled_);
      wake_.wait_for(lock, stop, std::min<std::chrono::steady_clock::duration>(due - now, std::chrono::seconds(1)),
                     [this] { return requested_.has_value(); });
      if (stop.stop_requested()) break;
      now = std::chrono::steady_clock::now();
      if (requested_) {
        work = requested_;
        requested_.reset();
      } else if (!pendingTrigger_.empty() && now >= pendingDue_) {
        automatic = pendingTrigger_;
        if (pendingTriggerCount_ > 1) automatic += " +" + std::to_string(pendingTriggerCount_ - 1) + " more";
      } else if (options_.policy.triggers.onSchedule && now >= nextScheduled_) {
        automatic = "schedule";
      }
      if (!work && automatic.empty()) continue;
      // A round answers every trigger seen so far.
      pendingTrigger_.clear();
      pendingTriggerCount_ = 0;
      if (options_.policy.triggers.onSchedule) nextScheduled_ = now + options_.policy.triggers.interval;
    }
    if (!work) {
      RoundReport report;
      report.trigger = automatic;
      report.startedAtMillis = clock_.nowUnixMillis();
      auto id = reports_.insert(report);
      if (!id.isOk()) {
        spdlog::error("rebalance cannot record a round error=\"{}\"", id.status().message());
        continue;
      }
      work = std::pair{*id, automatic};
    }
    runRound(work->first, work->second, stop);
  }
}

void RebalanceController::runRound(int64_t id, const std::string& trigger, std::stop_token stop) {
  {
    std::lock_guard lock(mutex_);
    running_ = id;
  }
  RoundReport report;
  report.id = id;
  report.startedAtMillis = clock_.nowUnixMillis();
  RebalanceRound round(client_, options_.policy, clock_, nullptr, std::make_shared<StoreSteeringJournal>(reports_.store(), clock_));
  report = round.run(RoundRequest{trigger, false}, report, stop);
  if (stop.stop_requested() && report.outcome == "running") report.outcome = "interrupted";
  Status saved = reports_.update(report);
  if (saved.isOk()) {
    saved = reports_.store().write(Durability::kFull, [&](sqlite::Database& db) {
      return recordEvent(db, Event{0, clock_.nowUnixMillis(), "rebalance.finished", std::nullopt, std::nullopt, kActor,
                                   "round " + std::to_string(id) + " (" + trigger + "): " + report.outcome + ", spread " +
                                       std::to_string(static_cast<int>(std::round(report.spreadBefore))) + " -> " +
                                       std::to_string(static_cast<int>(std::round(report.spreadAfter))) +
                                       " points, " + std::to_string(report.evictions) + " evictions"});
    });
  }
  if (!saved.isOk()) spdlog::error("rebalance cannot record round id={} error=\"{}\"", id, saved.message());
  std::lock_guard lock(mutex_);
  running_.reset();
}

}  // namespace floe::appliance::rebalance
