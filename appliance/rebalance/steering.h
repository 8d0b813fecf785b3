// Steering the scheduler during a pass: the nodes a pass evicts from are tainted
// floe.io/rebalancing:PreferNoSchedule until their pods' replacements are scheduled, so
// the scheduler prefers the other nodes (TaintToleration, weight 3, outweighs the
// default replica spreading that would send many replacements back where they came from).
// PreferNoSchedule is only a preference: nothing is refused, nothing running is touched.
//
// Crash-safe: every node is written to a journal (the head's SQLite table
// rebalance_steering) before it is tainted and forgotten only once the taint is gone;
// release() removes the taint from every node the journal lists, and runs at the end of
// every pass, at the end of every round (errors included) and when the head starts.
// Only the taint floe set is ever removed: a node that already carried the key when the
// pass began is left alone and not journalled; no other taint, and no cordon, is touched.
#pragma once

#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/k8s/kube_client.h"
#include "rebalance/cluster_snapshot.h"
#include "state/store.h"

namespace floe::appliance::rebalance {

inline constexpr const char* kSteeringTaintKey = "floe.io/rebalancing";
Taint steeringTaint();

// Which nodes carry a steering taint floe set.
class SteeringJournal {
 public:
  virtual ~SteeringJournal() = default;
  virtual Status record(const std::string& node) = 0;  // before the taint is set
  virtual Status forget(const std::string& node) = 0;  // after it is removed
  virtual Result<std::vector<std::string>> recorded() = 0;
};

// The head's: table rebalance_steering, written with full durability.
class StoreSteeringJournal : public SteeringJournal {
 public:
  StoreSteeringJournal(Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Status record(const std::string& node) override;
  Status forget(const std::string& node) override;
  Result<std::vector<std::string>> recorded() override;

 private:
  Store& store_;
  const Clock& clock_;
};

// `floe rebalance --kubeconfig` (no head, no database) and tests: the round's own
// release() at its end is what cleans up.
class MemorySteeringJournal : public SteeringJournal {
 public:
  Status record(const std::string& node) override;
  Status forget(const std::string& node) override;
  Result<std::vector<std::string>> recorded() override;

 private:
  std::set<std::string> nodes_;
};

class NodeSteering {
 public:
  NodeSteering(const k8s::KubeClient& client, SteeringJournal& journal) : client_(client), journal_(journal) {}

  // Journals, then taints each node. A node already carrying the key is skipped (not
  // floe's to remove); one that is gone is skipped too. Stops at the first failure: the
  // caller releases what was set and re-plans without steering (RebalanceRound).
  Status taint(const std::vector<std::string>& nodes, std::stop_token stop = {});

  // Removes the taint from every journalled node and forgets it (a node gone is forgotten
  // too). On a failure the node stays journalled for the next release; the first error is
  // returned after trying every node. Ignores stop requests: cleaning up is what a
  // stopping head must still do.
  Status release();

 private:
  // Reads the node and writes its taints with `change` applied, guarded by its
  // resourceVersion (retried when the node changed meanwhile). `changed` says whether
  // anything was written; kNotFound when the node is gone.
  Status updateTaints(const std::string& node, bool add, bool& changed, std::stop_token stop);

  const k8s::KubeClient& client_;
  SteeringJournal& journal_;
};

}  // namespace floe::appliance::rebalance
