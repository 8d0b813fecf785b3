// Nodes: admitted by join, kept alive by heartbeats, marked lost by the sweep,
// approved or removed by an admin. Every change is recorded in the audit log in the
// same transaction.
//
// Heartbeats are batched: a routine heartbeat (no inventory, node not lost) is checked
// against an in-memory copy of the node's certificate, state and inventory hash and
// its last-seen/status/load/k3s are kept in memory until the next flush: every sweep
// (at most 1 s apart while serving), and before list() and get(). A kill -9 loses at
// most that last second of last-seen times, which the next heartbeat repairs; state
// changes (join, approve, remove, leave, lost, recovered) are never batched.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/pki/certificate_authority.h"
#include "state/store.h"
#include "state/token_store.h"

namespace floe::appliance {

struct NodeRecord {
  std::string id;
  std::string name;
  std::string machineId;
  std::string state;  // pending | ready | lost
  Labels labels;
  std::string address;
  std::optional<std::string> tokenId;
  int64_t joinedAtMillis = 0;
  std::optional<int64_t> lastSeenAtMillis;
  std::string certSha256;
  int64_t certExpiresAtMillis = 0;
  std::string status;  // ok | degraded | unknown
  std::string inventoryHash;  // "" when never sent; changes whenever the inventory does
  // Detail, filled by get() only.
  nlohmann::json inventory;  // null when never sent
  nlohmann::json preflight = nlohmann::json::array();
  nlohmann::json load;
  nlohmann::json k3s;
};

struct JoinApplication {
  std::string tokenText;  // secret: never log
  std::string csrPem;
  std::string machineId;
  std::optional<std::string> name;
  Labels labels;
  nlohmann::json inventory;  // null when not sent
  nlohmann::json preflight = nlohmann::json::array();
  std::string sourceAddress;
};

struct JoinOutcome {
  NodeRecord node;
  std::string certificatePem;
  bool rejoined = false;
};

struct HeartbeatReport {
  std::string status = "ok";
  nlohmann::json load;
  nlohmann::json k3s;
  std::string inventoryHash;
  nlohmann::json inventory;  // null when not sent
};

struct HeartbeatOutcome {
  std::string state;
  bool sendInventory = false;
};

struct NodeCounts {
  int64_t ready = 0, pending = 0, lost = 0;
};

inline constexpr std::chrono::seconds kNodeCertificateValidity{365 * 24 * 3600};
inline constexpr int kMissedHeartbeatsBeforeLost = 3;

// Node ids look like n3f9a2b4c5d6e; names follow DNS label rules (they become k8s node names).
Status validateMachineId(std::string_view machineId);
Result<std::string> normaliseNodeName(std::string_view name);
// The name a node gets when the agent does not pass one.
std::string defaultNodeName(const nlohmann::json& inventory, std::string_view machineId);

class NodeRegistry {
 public:
  NodeRegistry(Store& store, const Clock& clock, const pki::CertificateAuthority& ca)
      : store_(store), clock_(clock), ca_(ca), caSha256_(ca.certificate().derSha256Hex()) {}

  Result<JoinOutcome> join(const JoinApplication& application);
  // `certSha256` is the fingerprint of the client certificate the call came with.
  Result<HeartbeatOutcome> heartbeat(const std::string& nodeId, const std::string& certSha256,
                                     const HeartbeatReport& report);
  // withDetail: also inventory, preflight, load and k3s (as get() returns them).
  Result<std::vector<NodeRecord>> list(bool withDetail = false);
  Result<NodeRecord> get(const std::string& id);
  Result<NodeRecord> approve(const std::string& id, const std::string& actor);
  Status remove(const std::string& id, const std::string& actor);
  // The node itself deregisters (floe-agent leave); `certSha256` must be its current certificate.
  Status leave(const std::string& id, const std::string& certSha256);
  // Marks ready nodes that missed kMissedHeartbeatsBeforeLost intervals as lost.
  // Returns how many changed.
  Result<int> sweepLost(std::chrono::milliseconds heartbeatInterval);
  Result<NodeCounts> counts();
  // Writes the batched heartbeats to the database (see the top of this file).
  Status flushHeartbeats();

 private:
  // What a heartbeat needs to know about its node, mirrored from the database.
  struct CachedNode {
    std::string certSha256;
    std::string state;
    std::string inventoryHash;
  };
  struct PendingHeartbeat {
    int64_t seenAtMillis = 0;
    std::string status;
    nlohmann::json load;
    nlohmann::json k3s;
  };
  using PendingBatch = std::unordered_map<std::string, PendingHeartbeat>;
  // Runs inside a store write; needs no lock (the batch was taken out of pending_).
  static Status writePending(sqlite::Database& db, const PendingBatch& batch);
  PendingBatch takePending();
  // After a failed write: puts the batch back where no newer heartbeat replaced it.
  void restorePending(PendingBatch&& batch);
  // Reads a node's cached fields; `lock` (on mutex_) is released during the read.
  Result<std::optional<CachedNode>> loadCached(std::unique_lock<std::mutex>& lock, const std::string& nodeId);
  // Drops the in-memory copy after a state change committed.
  void forget(const std::string& id);
  // Caches the row a join just committed, unless an invalidation (forget, lost) happened
  // since `invalidationsBefore` was read.
  void remember(const std::string& id, CachedNode node, uint64_t invalidationsBefore);
  uint64_t invalidations();

  Store& store_;
  const Clock& clock_;
  const pki::CertificateAuthority& ca_;
  std::string caSha256_;
  // Guards cache_, pending_ and the counters. Taken before the store's mutex, never
  // while holding it, and held only briefly: batches are written after being swapped
  // out, and cache misses are read with it released, so routine heartbeats never wait
  // for a commit (a sweep's or a join's fsync) at 10,000 agents.
  std::mutex mutex_;
  std::unordered_map<std::string, CachedNode> cache_;
  PendingBatch pending_;
  // Count committed changes to cached nodes: all of them (a cache miss read while this
  // moved may be stale and is read again under mutex_), and those that drop entries.
  uint64_t changes_ = 0;
  uint64_t invalidations_ = 0;
  // One flush at a time (sweep, list, get), so a sweep never judges a node lost while an
  // earlier heartbeat of it is still being written by another flush. Taken before mutex_.
  std::mutex flushMutex_;
};

}  // namespace floe::appliance
