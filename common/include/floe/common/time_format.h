// Timestamps and durations as users read and write them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe {

// 1732415248 -> "2024-11-24T02:27:28Z"
std::string formatRfc3339(int64_t unixSeconds);

// "90s", "15m", "1h", "1h30m", "24h", "7d", "500ms" -> duration. A bare number is refused,
// so a forgotten unit is an error instead of a surprise.
Result<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace floe
