// One event of a watch stream: a line {"type": "...", "object": {...}}.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::k8s {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view watchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object; for kBookmark only metadata.resourceVersion matters; for kError a
  // metav1.Status.
  nlohmann::json object;

  // kError only: the Status's code (410 means the resourceVersion is too old: relist).
  long errorCode() const;
  bool isGone() const { return type == WatchEventType::kError && errorCode() == 410; }
  std::string resourceVersion() const;
};

// Parses one line of a watch body. Errors name what was wrong, not the line (it may
// hold a Secret's data).
Result<WatchEvent> parseWatchEvent(std::string_view line);

}  // namespace floe::k8s
