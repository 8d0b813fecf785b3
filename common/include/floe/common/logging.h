// Process-wide structured logging (spdlog, key=value messages, to stderr).
#pragma once

#include <string_view>

#include "floe/common/status.h"

namespace floe {

// level: trace|debug|info|warn|error. Returns an error for an unknown level.
Status initLogging(std::string_view level);

}  // namespace floe
