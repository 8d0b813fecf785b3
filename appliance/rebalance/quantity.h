// Kubernetes resource quantities ("500m", "2", "1.5", "4Gi", "1e3", "128974848") as
// integers: CPU in millicores, everything else in whole units (bytes, GPUs, pods).
#pragma once

#include <cstdint>
#include <string_view>

#include "floe/common/status.h"

namespace floe::appliance::rebalance {

// "250m" -> 250, "2" -> 2000, "1.5" -> 1500. Rounds up, as the scheduler does.
Result<int64_t> parseCpuMillis(std::string_view quantity);

// "4Gi" -> 4294967296, "1k" -> 1000, "500m" -> 1 (rounded up). Used for memory, GPUs, pods.
Result<int64_t> parseQuantityUnits(std::string_view quantity);

}  // namespace floe::appliance::rebalance
