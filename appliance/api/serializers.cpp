#include "api/serializers.h"

#include "floe/common/time_format.h"
#include "state/labels.h"

namespace floe::appliance {

nlohmann::json timestampOrNull(const std::optional<int64_t>& millis) {
  if (!millis) return nullptr;
  return formatRfc3339(*millis / 1000);
}

nlohmann::json secondsJson(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return duration.count() / 1000;
  return static_cast<double>(duration.count()) / 1000.0;
}

nlohmann::json tokenToJson(const TokenRecord& token, int64_t nowMillis) {
  return {{"id", token.id},
          {"description", token.description},
          {"created_at", formatRfc3339(token.createdAtMillis / 1000)},
          {"expires_at", formatRfc3339(token.expiresAtMillis / 1000)},
          {"max_uses", token.maxUses ? nlohmann::json(*token.maxUses) : nlohmann::json(nullptr)},
          {"uses", token.uses},
          {"labels", labelsToJson(token.labels)},
          {"pending", token.pending},
          {"revoked", token.revokedAtMillis.has_value()},
          {"state", token.stateAt(nowMillis)}};
}

nlohmann::json nodeSummaryToJson(const NodeRecord& node) {
  return {{"id", node.id},
          {"name", node.name},
          {"machine_id", node.machineId},
          {"state", node.state},
          {"labels", labelsToJson(node.labels)},
          {"address", node.address},
          {"joined_at", formatRfc3339(node.joinedAtMillis / 1000)},
          {"last_seen_at", timestampOrNull(node.lastSeenAtMillis)},
          {"token_id", node.tokenId ? nlohmann::json(*node.tokenId) : nlohmann::json(nullptr)},
          {"cert_expires_at", formatRfc3339(node.certExpiresAtMillis / 1000)},
          {"status", node.status},
          {"inventory_hash", node.inventoryHash}};
}

nlohmann::json nodeDetailToJson(const NodeRecord& node) {
  nlohmann::json out = nodeSummaryToJson(node);
  out["inventory"] = node.inventory;
  out["preflight"] = node.preflight.is_null() ? nlohmann::json::array() : node.preflight;
  out["load"] = node.load;
  out["k3s"] = node.k3s;
  return out;
}

nlohmann::json downloadToJson(const DownloadFile& file, const std::string& serverUrl) {
  return {{"name", file.name},
          {"size_bytes", file.sizeBytes},
          {"sha256", file.sha256},
          {"url", serverUrl + "/downloads/" + file.name}};
}

nlohmann::json eventToJson(const Event& event) {
  return {{"id", event.id},
          {"at", formatRfc3339(event.atMillis / 1000)},
          {"kind", event.kind},
          {"node_id", event.nodeId ? nlohmann::json(*event.nodeId) : nlohmann::json(nullptr)},
          {"token_id", event.tokenId ? nlohmann::json(*event.tokenId) : nlohmann::json(nullptr)},
          {"actor", event.actor},
          {"message", event.message}};
}

}  // namespace floe::appliance
