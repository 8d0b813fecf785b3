// The JSON shapes of the API (see appliance/api/openapi.yaml).
#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "head/downloads.h"
#include "state/event_log.h"
#include "state/node_registry.h"
#include "state/token_store.h"

namespace floe::appliance {

nlohmann::json tokenToJson(const TokenRecord& token, int64_t nowMillis);
nlohmann::json nodeSummaryToJson(const NodeRecord& node);
nlohmann::json nodeDetailToJson(const NodeRecord& node);
nlohmann::json eventToJson(const Event& event);
// {name, size_bytes, sha256, url}; `serverUrl` is how workers reach the head.
nlohmann::json downloadToJson(const DownloadFile& file, const std::string& serverUrl);
nlohmann::json timestampOrNull(const std::optional<int64_t>& millis);
// Whole seconds as an integer (5), fractions as a number (0.5).
nlohmann::json secondsJson(std::chrono::milliseconds duration);

}  // namespace floe::appliance
