#include "agent/run/heartbeat_loop.h"

#include <spdlog/spdlog.h>

#include "agent/join/backoff.h"
#include "agent/run/resident_trim.h"
#include "floe/common/crypto.h"
#include "floe/common/files.h"
#include "floe/common/time_format.h"

namespace floe::agent {
namespace {

// Connection state shown by `floe-agent status`; written only when it changes.
void recordStatus(const AgentStateDir& stateDir, const Clock& clock, bool connected, const std::string& state,
                  const std::string& lastError) {
  // After `floe-agent leave` the state dir is emptied; do not leave a status file behind.
  if (!std::filesystem::exists(stateDir.identityFile())) return;
  nlohmann::json doc{{"connected", connected},
                     {"state", state},
                     {"since", formatRfc3339(clock.nowUnixSeconds())},
                     {"last_error", lastError}};
  Status written = writeFileAtomically(stateDir.root() / "status.json", doc.dump(2) + "\n",
                                       std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  if (!written.isOk()) spdlog::warn("cannot record agent status error=\"{}\"", written.message());
}

// The certificate on disk, to notice a re-join that replaced it under a running agent.
std::string certificateOnDisk(const AgentStateDir& stateDir) {
  auto pem = readFile(stateDir.certFile());
  return pem.isOk() ? *pem : std::string();
}

}  // namespace

Status runHeartbeatLoop(const JoinedIdentity& joined, const AgentStateDir& stateDir, HeartbeatDependencies deps,
                        HeartbeatSettings settings) {
  JoinedIdentity identity = joined;
  std::string url = identity.headUrl + "/api/v1/agents/" + identity.nodeId + "/heartbeat";
  std::string certificate = certificateOnDisk(stateDir);
  std::unique_ptr<http::HttpClient> client = deps.connect();
  Backoff backoff(std::chrono::milliseconds(1000), settings.maxBackoff);
  auto interval = settings.defaultInterval;
  nlohmann::json inventory = deps.collectInventory();
  std::string inventoryHash = sha256Hex(inventory.dump());
  auto inventoryCollectedAt = deps.clock.steadyNow();
  bool sendInventory = true;  // the head may hold an older one; it will say if it wants it
  bool connected = false;
  std::string lastState;
  bool trimmedAfterStart = false;
  spdlog::info("agent running node_id={} name={} head={}", identity.nodeId, identity.name, identity.headUrl);

  while (!deps.stop.stopRequested()) {
    if (deps.clock.steadyNow() - inventoryCollectedAt >= settings.inventoryRefresh) {
      inventory = deps.collectInventory();
      std::string hash = sha256Hex(inventory.dump());
      if (hash != inventoryHash) {
        spdlog::info("inventory changed old_hash={} new_hash={}", inventoryHash.substr(0, 12), hash.substr(0, 12));
        inventoryHash = hash;
        sendInventory = true;
      }
      inventoryCollectedAt = deps.clock.steadyNow();
    }
    nlohmann::json body{{"status", "ok"},
                        {"load", deps.collectLoad()},
                        {"k3s", deps.collectK3sState()},
                        {"inventory_hash", inventoryHash}};
    if (sendInventory) body["inventory"] = inventory;

    auto response = client->send({"POST", url, body.dump(), {{"Content-Type", "application/json"}},
                                      std::chrono::seconds(10)});
    std::string problem;
    if (response.isOk() && response->status == 200) {
      auto answer = nlohmann::json::parse(response->body, nullptr, false);
      std::string state = answer.is_object() ? answer.value("state", "") : "";
      if (!connected || state != lastState) {
        spdlog::info("heartbeat accepted node_id={} state={}", identity.nodeId, state);
        recordStatus(stateDir, deps.clock, true, state, "");
      }
      if (!trimmedAfterStart) {
        // Start-up is over: drop the code pages it touched (see resident_trim.h).
        size_t advised = trimResidentCode();
        spdlog::debug("trimmed resident code mappings bytes={}", advised);
        trimmedAfterStart = true;
      }
      connected = true;
      lastState = state;
      sendInventory = answer.is_object() && answer.value("send_inventory", false);
      if (deps.onK3sOffered && answer.is_object() && answer.contains("k3s") && answer["k3s"].is_object() &&
          !answer["k3s"].value("server_url", "").empty()) {
        deps.onK3sOffered(answer["k3s"]);
      }
      if (answer.is_object() && answer.contains("heartbeat_interval_seconds") &&
          answer["heartbeat_interval_seconds"].is_number()) {
        double seconds = answer["heartbeat_interval_seconds"].get<double>();
        if (seconds >= 0.1 && seconds <= 300) interval = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
      }
      backoff.reset();
      deps.stop.waitFor(interval);
      continue;
    }
    if (response.isOk()) {
      long status = response->status;
      auto answer = nlohmann::json::parse(response->body, nullptr, false);
      std::string message = answer.is_object() && answer.contains("error") && answer["error"].is_object()
                                ? answer["error"].value("message", "")
                                : "";
      if (status == 404 || status == 403 || status == 401) {
        // A `floe-agent join` run while this service runs replaces the certificate (and may
        // point at another head): pick up the new identity instead of giving up.
        std::string onDisk = certificateOnDisk(stateDir);
        auto reloaded = stateDir.loadIdentity();
        if (!onDisk.empty() && onDisk != certificate && reloaded.isOk()) {
          spdlog::info("certificate replaced by a re-join; reconnecting node_id={}", reloaded->nodeId);
          identity = *reloaded;
          url = identity.headUrl + "/api/v1/agents/" + identity.nodeId + "/heartbeat";
          certificate = onDisk;
          client = deps.connect();
          sendInventory = true;
          continue;
        }
        recordStatus(stateDir, deps.clock, false, "rejected", message);
        return permissionDenied("the head refused this node's heartbeat (HTTP " + std::to_string(status) + ": " +
                                message + "). To rejoin, create a token on the head and run: floe-agent join " +
                                identity.headUrl + " --token …");
      }
      problem = "HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message);
    } else {
      problem = response.status().message();
    }
    auto delay = backoff.next();
    if (connected) recordStatus(stateDir, deps.clock, false, lastState, problem);
    connected = false;
    sendInventory = true;  // the head may have lost it; resend once it is back
    spdlog::warn("heartbeat failed error=\"{}\" retry_in_ms={}", problem, delay.count());
    deps.stop.waitFor(delay);
  }
  spdlog::info("agent stopping node_id={}", identity.nodeId);
  return Status::ok();
}

}  // namespace floe::agent
