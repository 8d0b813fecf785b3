// What the head keeps about its stack in floe.db: each component's last observed state
// (shown by `floe status` and GET /api/v1/stack, also while the deployer is not running),
// and the credentials it generated for the stack (never logged, never rendered).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "state/store.h"

namespace floe::appliance {

struct StackComponent {
  std::string name;
  int position = 0;        // apply order
  std::string version;     // of the upstream software it runs (image tag, chart version)
  std::string state;       // pending | progressing | ready | submitted | failed | error
  std::string message;     // what it waits for, or what went wrong
  std::string endpoint;    // how clients in the cluster reach it; "" when it has none
  int64_t updatedAtMillis = 0;

  bool operator==(const StackComponent& other) const {
    return name == other.name && position == other.position && version == other.version && state == other.state &&
           message == other.message && endpoint == other.endpoint;
  }
};

Status saveStackComponent(Store& store, const StackComponent& component);
// In apply order.
Result<std::vector<StackComponent>> listStackComponents(Store& store);
// Forgets components a newer floe no longer deploys, so `floe status` lists only real ones.
Status forgetStackComponentsExcept(Store& store, const std::vector<std::string>& names);

// The stored secrets by name, generating (and storing, durably) the ones in `names` that do
// not exist yet: 256 random bits as hex, or 64 bits for names ending in "ClientId".
Result<std::map<std::string, std::string>> ensureStackSecrets(Store& store, const std::vector<std::string>& names,
                                                              const Clock& clock);

}  // namespace floe::appliance
