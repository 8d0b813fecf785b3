// The head's rebalancer while `floe serve` runs. On its own thread it watches Nodes and
// starts a round (after a settle delay, so several workers joining at once make one
// round) when a Node becomes Ready or schedulable, or its allocatable CPU, memory or
// GPUs change; periodically when enabled; and on demand (API, CLI, console). One round
// at a time; every round is recorded (report_store.h). The triggers are policy switches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "floe/common/clock.h"
#include "floe/k8s/informer.h"
#include "floe/k8s/kube_client.h"
#include "rebalance/rebalance_policy.h"
#include "rebalance/report_store.h"

namespace floe::appliance::rebalance {

struct RebalanceControllerOptions {
  std::filesystem::path kubeconfig;  // written by the k3s server
  RebalancePolicy policy;
  std::chrono::milliseconds connectRetry{2000};
};

// What about a Node can trigger a round.
struct NodeCapacityState {
  bool available = false;  // Ready and schedulable
  int64_t cpuMillis = 0, memoryBytes = 0, gpus = 0;
  bool operator==(const NodeCapacityState&) const = default;
};

// The trigger a change of one Node's state makes, or "" for none. Exposed for tests.
std::string triggerFor(const std::string& nodeName, const std::optional<NodeCapacityState>& before,
                       const NodeCapacityState& after, const TriggerPolicy& triggers);

class RebalanceController {
 public:
  RebalanceController(RebalanceControllerOptions options, Store& store, const Clock& clock);
  ~RebalanceController();
  RebalanceController(const RebalanceController&) = delete;
  RebalanceController& operator=(const RebalanceController&) = delete;

  void start();
  void stop();

  // Queues a round and returns its report id (outcome "running" until it ends).
  // kFailedPrecondition while another round runs or before the API is reachable.
  Result<int64_t> requestRound(const std::string& trigger);
  // Plans against the cluster as it is now, evicts nothing; recorded like a round.
  Result<RoundReport> dryRun(const std::string& trigger);

  ReportStore& reports() { return reports_; }
  const RebalancePolicy& policy() const { return options_.policy; }
  nlohmann::json status() const;

 private:
  void run(std::stop_token stop);
  bool connect(std::stop_token stop);
  void onNode(const nlohmann::json& node);
  void trigger(const std::string& reason);
  void runRound(int64_t id, const std::string& trigger, std::stop_token stop);

  RebalanceControllerOptions options_;
  ReportStore reports_;
  const Clock& clock_;
  std::shared_ptr<k8s::KubeClient> client_;
  std::unique_ptr<k8s::Informer> informer_;

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  bool connected_ = false;
  bool synced_ = false;
  std::map<std::string, NodeCapacityState> nodes_;
  std::string pendingTrigger_;  // automatic, waiting for its settle delay
  int pendingTriggerCount_ = 0;
  std::chrono::steady_clock::time_point pendingDue_;
  std::optional<std::pair<int64_t, std::string>> requested_;  // report id, trigger
  std::optional<int64_t> running_;
  std::chrono::steady_clock::time_point nextScheduled_;
  std::jthread thread_;
};

}  // namespace floe::appliance::rebalance
