#include "state/node_registry.h"

#include <algorithm>
#include <cctype>

#include "floe/common/crypto.h"
#include "floe/pki/certificate_request.h"
#include "state/event_log.h"
#include "state/labels.h"

namespace floe::appliance {
namespace {

constexpr size_t kMaxMachineIdLength = 128;
constexpr size_t kMaxNodeNameLength = 63;
constexpr std::string_view kNodeOrganization = "floe-node";
constexpr std::string_view kSummaryColumns =
    "SELECT id, name, machine_id, state, labels, address, token_id, joined_at, last_seen_at, "
    "cert_sha256, cert_expires_at, status, inventory_hash";
constexpr std::string_view kDetailColumns = ", inventory, preflight, load, k3s";

nlohmann::json parseStoredJson(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

std::optional<std::string> jsonOrNull(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<NodeRecord> readNode(const sqlite::Statement& row, bool withDetail) {
  NodeRecord node;
  node.id = row.columnText(0);
  node.name = row.columnText(1);
  node.machineId = row.columnText(2);
  node.state = row.columnText(3);
  FLOE_ASSIGN_OR_RETURN(node.labels, labelsFromText(row.columnText(4)));
  node.address = row.columnText(5);
  node.tokenId = row.columnOptionalText(6);
  node.joinedAtMillis = row.columnInt(7);
  node.lastSeenAtMillis = row.columnOptionalInt(8);
  node.certSha256 = row.columnText(9);
  node.certExpiresAtMillis = row.columnInt(10);
  node.status = row.columnText(11);
  node.inventoryHash = row.columnText(12);
  if (withDetail) {
    node.inventory = parseStoredJson(row.columnOptionalText(13));
    node.preflight = parseStoredJson(row.columnOptionalText(14));
    node.load = parseStoredJson(row.columnOptionalText(15));
    node.k3s = parseStoredJson(row.columnOptionalText(16));
  }
  return node;
}

Result<std::optional<NodeRecord>> findNode(sqlite::Database& db, std::string_view column,
                                           std::string_view value, bool withDetail) {
  std::string sql = std::string(kSummaryColumns) + (withDetail ? std::string(kDetailColumns) : "") +
                    " FROM nodes WHERE " + std::string(column) + " = ?";
  FLOE_ASSIGN_OR_RETURN(auto select, db.prepare(sql));
  select.bind(1, value);
  FLOE_ASSIGN_OR_RETURN(bool row, select.step());
  if (!row) return std::optional<NodeRecord>();
  FLOE_ASSIGN_OR_RETURN(NodeRecord node, readNode(select, withDetail));
  return std::optional<NodeRecord>(std::move(node));
}

std::string inventoryHashOf(const nlohmann::json& inventory) {
  return inventory.is_null() ? std::string() : sha256Hex(inventory.dump());
}

}  // namespace

Status validateMachineId(std::string_view machineId) {
  if (machineId.empty() || machineId.size() > kMaxMachineIdLength) {
    return invalidArgument("machine_id must be 1 to 128 characters");
  }
  bool allowed = std::all_of(machineId.begin(), machineId.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!allowed) return invalidArgument("machine_id may contain only A-Z, a-z, 0-9, '.', '_' and '-'");
  return Status::ok();
}

Result<std::string> normaliseNodeName(std::string_view name) {
  std::string lowered(name);
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto isAlnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  bool valid = !lowered.empty() && lowered.size() <= kMaxNodeNameLength && isAlnum(lowered.front()) &&
               isAlnum(lowered.back()) &&
               std::all_of(lowered.begin(), lowered.end(),
                           [&](char c) { return isAlnum(c) || c == '-' || c == '.'; });
  if (!valid) {
    return invalidArgument("node name '" + std::string(name) +
                           "' is not valid: use 1-63 characters a-z, 0-9, '-' and '.', starting and "
                           "ending with a letter or digit (it becomes the Kubernetes node name)");
  }
  return lowered;
}

std::string defaultNodeName(const nlohmann::json& inventory, std::string_view machineId) {
  if (inventory.is_object()) {
    auto host = inventory.find("host");
    if (host != inventory.end() && host->is_object()) {
      auto hostname = host->find("hostname");
      if (hostname != host->end() && hostname->is_string()) {
        auto normalised = normaliseNodeName(hostname->get<std::string>());
        if (normalised.isOk()) return *normalised;
      }
    }
  }
  std::string prefix;
  for (char c : machineId.substr(0, 8)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      prefix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return "node-" + (prefix.empty() ? std::string("unnamed") : prefix);
}

Result<JoinOutcome> NodeRegistry::join(const JoinApplication& application) {
  FLOE_ASSIGN_OR_RETURN(token::JoinToken presented, token::parseJoinToken(application.tokenText));
  FLOE_RETURN_IF_ERROR(validateMachineId(application.machineId));
  std::string name;
  if (application.name) {
    FLOE_ASSIGN_OR_RETURN(name, normaliseNodeName(*application.name));
  } else {
    name = defaultNodeName(application.inventory, application.machineId);
  }
  FLOE_RETURN_IF_ERROR(validateLabels(application.labels));
  FLOE_ASSIGN_OR_RETURN(pki::CertificateRequest csr, pki::CertificateRequest::fromPem(application.csrPem));
  FLOE_RETURN_IF_ERROR(csr.validateForClientCertificate());

  int64_t now = clock_.nowUnixMillis();
  uint64_t invalidationsBefore = invalidations();
  auto joined = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<JoinOutcome> {
    FLOE_ASSIGN_OR_RETURN(auto existing, findNode(db, "machine_id", application.machineId, false));
    bool retryBySameMachine = existing && existing->tokenId == presented.id;
    FLOE_ASSIGN_OR_RETURN(TokenRecord tokenRecord,
                          TokenStore::redeem(db, presented, caSha256_, now, retryBySameMachine));
    FLOE_ASSIGN_OR_RETURN(auto sameName, findNode(db, "name", name, false));
    if (sameName && sameName->machineId != application.machineId) {
      return failedPrecondition("node name '" + name + "' is already used by another machine (node " +
                                sameName->id + "); join with a different --name");
    }

    JoinOutcome outcome;
    NodeRecord& node = outcome.node;
    outcome.rejoined = existing.has_value();
    if (existing) {
      node = *existing;
      // An approved node stays approved when it re-joins; a pending one stays pending.
      node.state = existing->state == "pending" ? "pending" : "ready";
    } else {
      FLOE_ASSIGN_OR_RETURN(std::string random, secureRandomHex(6));
      node.id = "n" + random;
      node.machineId = application.machineId;
      node.joinedAtMillis = now;
      node.state = tokenRecord.pending ? "pending" : "ready";
    }
    node.name = name;
    node.labels = tokenRecord.labels;
    for (const auto& [key, value] : application.labels) node.labels[key] = value;
    node.address = application.sourceAddress;
    node.tokenId = tokenRecord.id;
    node.lastSeenAtMillis = now;
    node.status = "unknown";

    pki::ClientIdentity identity{name, std::string(kNodeOrganization), {"urn:floe:node:" + node.id}};
    FLOE_ASSIGN_OR_RETURN(pki::Certificate certificate,
                          ca_.signClientCertificate(csr, identity, now / 1000, kNodeCertificateValidity));
    FLOE_ASSIGN_OR_RETURN(outcome.certificatePem, certificate.toPem());
    node.certSha256 = certificate.derSha256Hex();
    node.certExpiresAtMillis = certificate.notAfterUnix() * 1000;
    node.inventory = application.inventory;
    node.inventoryHash = inventoryHashOf(application.inventory);
    node.preflight = application.preflight;

    FLOE_ASSIGN_OR_RETURN(
        auto upsert,
        db.prepare("INSERT INTO nodes (id, name, machine_id, state, labels, address, token_id, "
                   "joined_at, last_seen_at, cert_sha256, cert_expires_at, status, inventory, "
                   "inventory_hash, preflight) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, ?15) ON CONFLICT (id) DO UPDATE SET name = ?2, state = ?4, "
                   "labels = ?5, address = ?6, token_id = ?7, last_seen_at = ?9, cert_sha256 = ?10, "
                   "cert_expires_at = ?11, status = ?12, inventory = ?13, inventory_hash = ?14, "
                   "preflight = ?15"));
    upsert.bind(1, std::string_view(node.id))
        .bind(2, std::string_view(node.name))
        .bind(3, std::string_view(node.machineId))
        .bind(4, std::string_view(node.state))
        .bind(5, std::string_view(labelsToJson(node.labels).dump()))
        .bind(6, std::string_view(node.address))
        .bind(7, node.tokenId)
        .bind(8, node.joinedAtMillis)
        .bind(9, node.lastSeenAtMillis)
        .bind(10, std::string_view(node.certSha256))
        .bind(11, node.certExpiresAtMillis)
        .bind(12, std::string_view(node.status))
        .bind(13, jsonOrNull(node.inventory))
        .bind(14, std::string_view(node.inventoryHash))
        .bind(15, std::string_view(node.preflight.dump()));
    FLOE_RETURN_IF_ERROR(upsert.run().withContext("storing node " + node.id));
    std::string message = (outcome.rejoined ? "node re-joined as " : "node joined as ") + node.name +
                          " from " + node.address + ", state " + node.state;
    FLOE_RETURN_IF_ERROR(recordEvent(db, {0, now, outcome.rejoined ? "node.rejoined" : "node.joined",
                                          node.id, tokenRecord.id, "join:" + application.sourceAddress,
                                          message}));
    return outcome;
  });
  // A re-join changes the certificate. The new row is cached at once so the node's first
  // heartbeat needs no read behind the next join's commit (10,000 agents joining).
  if (joined.isOk()) {
    remember(joined->node.id, CachedNode{joined->node.certSha256, joined->node.state, joined->node.inventoryHash},
             invalidationsBefore);
  }
  return joined;
}

Result<HeartbeatOutcome> NodeRegistry::heartbeat(const std::string& nodeId,
                                                 const std::string& certSha256,
                                                 const HeartbeatReport& report) {
  int64_t now = clock_.nowUnixMillis();
  std::unique_lock lock(mutex_);
  auto cached = cache_.find(nodeId);
  if (cached == cache_.end()) {
    auto loaded = loadCached(lock, nodeId);
    if (!loaded.isOk()) return loaded.status();
    if (!*loaded) return notFound("node " + nodeId + " is not registered (it was removed from the cluster)");
    cached = cache_.emplace(nodeId, std::move(**loaded)).first;
  }
  if (!constantTimeEquals(cached->second.certSha256, certSha256)) {
    return permissionDenied("this client certificate is not node " + nodeId +
                            "'s current certificate (the node re-joined since it was issued)");
  }
  if (cached->second.state != "lost" && report.inventory.is_null()) {
    // The routine case: batched, flushed by the next sweep (see node_registry.h).
    pending_[nodeId] = PendingHeartbeat{now, report.status, report.load, report.k3s};
    bool wantInventory = !report.inventoryHash.empty() && report.inventoryHash != cached->second.inventoryHash;
    return HeartbeatOutcome{cached->second.state, wantInventory};
  }
  // A recovery or a new inventory: written at once. Relaxed durability: see store.h.
  auto written = store_.write(Durability::kRelaxed, [&](sqlite::Database& db) -> Result<HeartbeatOutcome> {
    FLOE_ASSIGN_OR_RETURN(auto select,
                          db.prepare("SELECT state, cert_sha256, inventory_hash FROM nodes WHERE id = ?"));
    select.bind(1, std::string_view(nodeId));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return notFound("node " + nodeId + " is not registered (it was removed from the cluster)");
    std::string state = select.columnText(0);
    if (!constantTimeEquals(select.columnText(1), certSha256)) {
      return permissionDenied("this client certificate is not node " + nodeId +
                              "'s current certificate (the node re-joined since it was issued)");
    }
    std::string storedHash = select.columnText(2);
    bool inventorySent = !report.inventory.is_null();
    std::string newHash = inventorySent ? inventoryHashOf(report.inventory) : storedHash;

    std::string newState = state == "lost" ? "ready" : state;
    FLOE_ASSIGN_OR_RETURN(
        auto update,
        db.prepare("UPDATE nodes SET last_seen_at = ?, status = ?, load = ?, k3s = ?, state = ?, "
                   "inventory = COALESCE(?, inventory), inventory_hash = ? WHERE id = ?"));
    update.bind(1, now)
        .bind(2, std::string_view(report.status))
        .bind(3, jsonOrNull(report.load))
        .bind(4, jsonOrNull(report.k3s))
        .bind(5, std::string_view(newState))
        .bind(6, inventorySent ? jsonOrNull(report.inventory) : std::nullopt)
        .bind(7, std::string_view(newHash))
        .bind(8, std::string_view(nodeId));
    FLOE_RETURN_IF_ERROR(update.run());
    if (state == "lost") {
      FLOE_RETURN_IF_ERROR(recordEvent(db, {0, now, "node.recovered", nodeId, std::nullopt,
                                            "node:" + nodeId, "heartbeat received again; node is ready"}));
    }
    bool wantInventory = !inventorySent && !report.inventoryHash.empty() && report.inventoryHash != storedHash;
    cached->second = CachedNode{select.columnText(1), newState, newHash};
    return HeartbeatOutcome{newState, wantInventory};
  });
  pending_.erase(nodeId);  // superseded by the row just written, or the node is gone
  if (!written.isOk()) cache_.erase(nodeId);
  return written;
}

Result<std::optional<NodeRegistry::CachedNode>> NodeRegistry::loadCached(std::unique_lock<std::mutex>& lock,
                                                                         const std::string& nodeId) {
  auto read = [&] {
    return store_.read([&](sqlite::Database& db) -> Result<std::optional<CachedNode>> {
      FLOE_ASSIGN_OR_RETURN(auto select,
                            db.prepare("SELECT cert_sha256, state, inventory_hash FROM nodes WHERE id = ?"));
      select.bind(1, std::string_view(nodeId));
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) return std::optional<CachedNode>();
      return std::optional<CachedNode>(CachedNode{select.columnText(0), select.columnText(1), select.columnText(2)});
    });
  };
  uint64_t generation = changes_;
  lock.unlock();
  auto loaded = read();
  lock.lock();
  // A state change committed meanwhile (it may be this node's): read again holding
  // mutex_, so no forget() can slip between the read and caching it.
  if (generation != changes_) loaded = read();
  return loaded;
}

NodeRegistry::PendingBatch NodeRegistry::takePending() {
  std::lock_guard lock(mutex_);
  PendingBatch batch;
  batch.swap(pending_);
  return batch;
}

void NodeRegistry::restorePending(PendingBatch&& batch) {
  std::lock_guard lock(mutex_);
  for (auto& [id, beat] : batch) pending_.try_emplace(id, std::move(beat));
}

Status NodeRegistry::writePending(sqlite::Database& db, const PendingBatch& batch) {
  if (batch.empty()) return Status::ok();
  FLOE_ASSIGN_OR_RETURN(auto update,
                        db.prepare("UPDATE nodes SET last_seen_at = ?, status = ?, load = ?, k3s = ? WHERE id = ?"));
  for (const auto& [id, beat] : batch) {
    update.reset();
    update.bind(1, beat.seenAtMillis)
        .bind(2, std::string_view(beat.status))
        .bind(3, jsonOrNull(beat.load))
        .bind(4, jsonOrNull(beat.k3s))
        .bind(5, std::string_view(id));
    FLOE_RETURN_IF_ERROR(update.run().withContext("storing the heartbeat of node " + id));
  }
  return Status::ok();
}

Status NodeRegistry::flushHeartbeats() {
  std::lock_guard flushing(flushMutex_);
  PendingBatch batch = takePending();
  if (batch.empty()) return Status::ok();
  // Relaxed durability: see store.h. A lost heartbeat is repaired by the next one.
  Status written = store_.write(Durability::kRelaxed, [&](sqlite::Database& db) { return writePending(db, batch); });
  if (!written.isOk()) restorePending(std::move(batch));
  return written;
}

uint64_t NodeRegistry::invalidations() {
  std::lock_guard lock(mutex_);
  return invalidations_;
}

void NodeRegistry::remember(const std::string& id, CachedNode node, uint64_t invalidationsBefore) {
  std::lock_guard lock(mutex_);
  // Another change (approve, remove, leave, lost) committed since this one began and may
  // be newer for this node: do not cache, let the next heartbeat read the row.
  if (invalidations_ == invalidationsBefore) {
    cache_.insert_or_assign(id, std::move(node));
  } else {
    cache_.erase(id);
  }
  pending_.erase(id);
  ++changes_;
}

void NodeRegistry::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  cache_.erase(id);
  pending_.erase(id);
  ++changes_;
  ++invalidations_;
}

Result<std::vector<NodeRecord>> NodeRegistry::list(bool withDetail) {
  FLOE_RETURN_IF_ERROR(flushHeartbeats());
  return store_.read([withDetail](sqlite::Database& db) -> Result<std::vector<NodeRecord>> {
    std::string columns = std::string(kSummaryColumns) + (withDetail ? std::string(kDetailColumns) : "");
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare(columns + " FROM nodes ORDER BY name"));
    std::vector<NodeRecord> nodes;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      FLOE_ASSIGN_OR_RETURN(NodeRecord node, readNode(select, withDetail));
      nodes.push_back(std::move(node));
    }
    return nodes;
  });
}

Result<NodeRecord> NodeRegistry::get(const std::string& id) {
  FLOE_RETURN_IF_ERROR(flushHeartbeats());
  return store_.read([&](sqlite::Database& db) -> Result<NodeRecord> {
    FLOE_ASSIGN_OR_RETURN(auto node, findNode(db, "id", id, true));
    if (!node) return notFound("no node with id '" + id + "'");
    return *node;
  });
}

Result<NodeRecord> NodeRegistry::approve(const std::string& id, const std::string& actor) {
  int64_t now = clock_.nowUnixMillis();
  auto changed = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<NodeRecord> {
    FLOE_ASSIGN_OR_RETURN(auto node, findNode(db, "id", id, false));
    if (!node) return notFound("no node with id '" + id + "'");
    if (node->state != "pending") {
      return failedPrecondition("node " + id + " is " + node->state + ", not pending approval");
    }
    // Approval counts as seen now, so a node approved long after joining is not lost at once.
    FLOE_ASSIGN_OR_RETURN(auto update,
                          db.prepare("UPDATE nodes SET state = 'ready', last_seen_at = ? WHERE id = ?"));
    FLOE_RETURN_IF_ERROR(update.bind(1, now).bind(2, std::string_view(id)).run());
    FLOE_RETURN_IF_ERROR(recordEvent(db, {0, now, "node.approved", id, std::nullopt, actor,
                                          "node " + node->name + " approved"}));
    node->state = "ready";
    node->lastSeenAtMillis = now;
    return *node;
  });
  if (changed.isOk()) forget(id);
  return changed;
}

Status NodeRegistry::remove(const std::string& id, const std::string& actor) {
  int64_t now = clock_.nowUnixMillis();
  auto changed = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto node, findNode(db, "id", id, false));
    if (!node) return notFound("no node with id '" + id + "'");
    FLOE_ASSIGN_OR_RETURN(auto del, db.prepare("DELETE FROM nodes WHERE id = ?"));
    FLOE_RETURN_IF_ERROR(del.bind(1, std::string_view(id)).run());
    return recordEvent(db, {0, now, "node.removed", id, std::nullopt, actor,
                            "node " + node->name + " removed; its certificate no longer works"});
  });
  if (changed.isOk()) forget(id);
  return changed;
}

Status NodeRegistry::leave(const std::string& id, const std::string& certSha256) {
  int64_t now = clock_.nowUnixMillis();
  auto changed = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto node, findNode(db, "id", id, false));
    if (!node) return notFound("node " + id + " is not registered");
    if (!constantTimeEquals(node->certSha256, certSha256)) {
      return permissionDenied("this client certificate is not node " + id + "'s current certificate");
    }
    FLOE_ASSIGN_OR_RETURN(auto del, db.prepare("DELETE FROM nodes WHERE id = ?"));
    FLOE_RETURN_IF_ERROR(del.bind(1, std::string_view(id)).run());
    return recordEvent(db, {0, now, "node.left", id, std::nullopt, "node:" + id,
                            "node " + node->name + " left the cluster"});
  });
  if (changed.isOk()) forget(id);
  return changed;
}

Result<int> NodeRegistry::sweepLost(std::chrono::milliseconds heartbeatInterval) {
  int64_t now = clock_.nowUnixMillis();
  int64_t cutoff = now - heartbeatInterval.count() * kMissedHeartbeatsBeforeLost;
  std::lock_guard flushing(flushMutex_);
  PendingBatch batch = takePending();
  std::vector<std::string> lostIds;
  auto swept = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<int> {
    // Batched heartbeats first, so a node that just sent one is not swept.
    FLOE_RETURN_IF_ERROR(writePending(db, batch));
    FLOE_ASSIGN_OR_RETURN(auto select,
                          db.prepare("SELECT id, name, last_seen_at FROM nodes WHERE state = 'ready' "
                                     "AND (last_seen_at IS NULL OR last_seen_at < ?)"));
    select.bind(1, cutoff);
    std::vector<std::tuple<std::string, std::string, int64_t>> lost;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      lost.emplace_back(select.columnText(0), select.columnText(1), select.columnInt(2));
    }
    for (const auto& [id, name, lastSeen] : lost) {
      FLOE_ASSIGN_OR_RETURN(auto update, db.prepare("UPDATE nodes SET state = 'lost' WHERE id = ?"));
      FLOE_RETURN_IF_ERROR(update.bind(1, std::string_view(id)).run());
      FLOE_RETURN_IF_ERROR(recordEvent(
          db, {0, now, "node.lost", id, std::nullopt, "system",
               "node " + name + " missed " + std::to_string(kMissedHeartbeatsBeforeLost) +
                   " heartbeats; last seen " + std::to_string((now - lastSeen) / 1000) + "s ago"}));
      lostIds.push_back(id);
    }
    return static_cast<int>(lost.size());
  });
  if (!swept.isOk()) {
    restorePending(std::move(batch));
    return swept;
  }
  if (!lostIds.empty()) {
    // A heartbeat that arrived during the write stays pending: its time is recorded by
    // the next flush, and the node's next heartbeat finds it lost and recovers it.
    std::lock_guard lock(mutex_);
    for (const auto& id : lostIds) cache_.erase(id);
    ++changes_;
    ++invalidations_;
  }
  return swept;
}

Result<NodeCounts> NodeRegistry::counts() {
  return store_.read([](sqlite::Database& db) -> Result<NodeCounts> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT state, COUNT(*) FROM nodes GROUP BY state"));
    NodeCounts counts;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      std::string state = select.columnText(0);
      int64_t n = select.columnInt(1);
      if (state == "ready") counts.ready = n;
      else if (state == "pending") counts.pending = n;
      else if (state == "lost") counts.lost = n;
    }
    return counts;
  });
}

}  // namespace floe::appliance
