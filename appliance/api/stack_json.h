// The lakehouse stack as the API shows it (GET /api/v1/stack, and the `stack` section of
// GET /api/v1/status): whether this head deploys it, and each component's last recorded
// state, version, message and endpoint, in apply order.
#pragma once

#include <nlohmann/json.hpp>

#include "api/api_context.h"

namespace floe::appliance {

// Sets `error` when the database cannot be read.
nlohmann::json stackJson(ApiContext& ctx, Status& error);

}  // namespace floe::appliance
