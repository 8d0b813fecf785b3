// The audit log: every state change, with what, which node/token, who and when.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "floe/common/status.h"
#include "floe/sqlite/database.h"
#include "state/store.h"

namespace floe::appliance {

struct Event {
  int64_t id = 0;
  int64_t atMillis = 0;
  std::string kind;  // token.created, node.joined, node.lost, ...
  std::optional<std::string> nodeId;
  std::optional<std::string> tokenId;
  std::string actor;  // admin | node:<id> | system | join:<address>
  std::string message;
};

struct EventFilter {
  int limit = 100;
  std::optional<std::string> nodeId;
  std::optional<std::string> kind;
};

// Appends inside the caller's transaction, so the event commits with the change it records.
Status recordEvent(sqlite::Database& db, const Event& event);

Result<std::vector<Event>> listEvents(Store& store, const EventFilter& filter);

}  // namespace floe::appliance
