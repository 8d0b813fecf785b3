#include "rebalance/steering.h"

#include <spdlog/spdlog.h>

#include "floe/k8s/resource.h"

namespace floe::appliance::rebalance {
namespace {

using nlohmann::json;

constexpr const char* kSteeringEffect = "PreferNoSchedule";
// Another writer (the node controller, the node lifecycle controller) may change the Node
// between our read and our write; the resourceVersion makes the API refuse that write.
constexpr int kConflictRetries = 5;

bool refusedByTheApi(ErrorCode code) {
  return code == ErrorCode::kPermissionDenied || code == ErrorCode::kUnauthenticated ||
         code == ErrorCode::kInvalidArgument || code == ErrorCode::kFailedPrecondition;
}

bool isSteeringKey(const json& taint) { return taint.is_object() && taint.value("key", "") == kSteeringTaintKey; }

}  // namespace

Taint steeringTaint() { return Taint{kSteeringTaintKey, "", kSteeringEffect}; }

Status StoreSteeringJournal::record(const std::string& node) {
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT OR REPLACE INTO rebalance_steering (node, tainted_at) VALUES (?, ?)"));
    insert.bind(1, std::string_view(node)).bind(2, clock_.nowUnixMillis());
    return insert.run().withContext("journalling the steering taint of node " + node);
  });
}

Status StoreSteeringJournal::forget(const std::string& node) {
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto remove, db.prepare("DELETE FROM rebalance_steering WHERE node = ?"));
    remove.bind(1, std::string_view(node));
    return remove.run().withContext("forgetting the steering taint of node " + node);
  });
}

Result<std::vector<std::string>> StoreSteeringJournal::recorded() {
  return store_.read([&](sqlite::Database& db) -> Result<std::vector<std::string>> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT node FROM rebalance_steering ORDER BY node"));
    std::vector<std::string> out;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      out.push_back(select.columnText(0));
    }
    return out;
  });
}

Status MemorySteeringJournal::record(const std::string& node) {
  nodes_.insert(node);
  return Status::ok();
}

Status MemorySteeringJournal::forget(const std::string& node) {
  nodes_.erase(node);
  return Status::ok();
}

Result<std::vector<std::string>> MemorySteeringJournal::recorded() {
  return std::vector<std::string>(nodes_.begin(), nodes_.end());
}

Status NodeSteering::updateTaints(const std::string& node, bool add, bool& changed, std::stop_token stop) {
  changed = false;
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    FLOE_ASSIGN_OR_RETURN(json object, client_.get(k8s::resources::kNodes, "", node, "", stop));
    json taints = json::array();
    bool present = false;
    if (object.contains("spec") && object["spec"].contains("taints") && object["spec"]["taints"].is_array()) {
      for (const auto& taint : object["spec"]["taints"]) {
        // Only floe's own key is ever added or removed; every other taint is written back as it was.
        if (isSteeringKey(taint)) {
          present = true;
          if (!add && taint.value("effect", "") == kSteeringEffect) continue;
        }
        taints.push_back(taint);
      }
    }
    if (add == present) return Status::ok();  // already there (not ours), or already gone
    if (add) taints.push_back({{"key", kSteeringTaintKey}, {"effect", kSteeringEffect}});
    json patch = {{"metadata", {{"resourceVersion", object["metadata"].value("resourceVersion", "")}}},
                  {"spec", {{"taints", taints}}}};
    auto patched = client_.patch(k8s::resources::kNodes, "", node, k8s::PatchType::kMerge, patch, "", stop);
    if (patched.isOk()) {
      changed = true;
      return Status::ok();
    }
    if (patched.status().code() != ErrorCode::kFailedPrecondition) return patched.status();
  }
  return failedPrecondition("node " + node + " kept changing while its taints were updated (" +
                            std::to_string(kConflictRetries) + " attempts)");
}

Status NodeSteering::taint(const std::vector<std::string>& nodes, std::stop_token stop) {
  for (const auto& node : nodes) {
    FLOE_RETURN_IF_ERROR(journal_.record(node));
    bool changed = false;
    Status tainted = updateTaints(node, true, changed, stop);
    if (tainted.code() == ErrorCode::kNotFound) tainted = Status::ok();
    if (!tainted.isOk()) {
      // The API refused (no permission, bad request, conflicts to the end): nothing was
      // written, so the node leaves the journal. A transport failure may have written the
      // taint after all: the node stays journalled and the next release removes it.
      if (refusedByTheApi(tainted.code())) (void)journal_.forget(node);
      return tainted.withContext("tainting node " + node + " " + kSteeringTaintKey + ":" + kSteeringEffect);
    }
    if (!changed) {
      // Gone, or it carried the key before this pass: not floe's to remove later.
      FLOE_RETURN_IF_ERROR(journal_.forget(node));
      continue;
    }
    spdlog::debug("rebalance steering taint set node={}", node);
  }
  return Status::ok();
}

Status NodeSteering::release() {
  FLOE_ASSIGN_OR_RETURN(auto nodes, journal_.recorded());
  Status first = Status::ok();
  for (const auto& node : nodes) {
    bool changed = false;
    Status removed = updateTaints(node, false, changed, {});
    if (removed.code() == ErrorCode::kNotFound) removed = Status::ok();
    if (removed.isOk()) removed = journal_.forget(node);
    if (!removed.isOk()) {
      spdlog::warn("rebalance cannot remove the steering taint node={} error=\"{}\"", node, removed.message());
      if (first.isOk()) first = removed.withContext("removing the steering taint " + std::string(kSteeringTaintKey) +
                                                    " from node " + node);
    }
  }
  if (!nodes.empty()) spdlog::info("rebalance steering taints released nodes={}", nodes.size());
  return first;
}

}  // namespace floe::appliance::rebalance
