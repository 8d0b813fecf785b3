// How a worker without floe-agent fetches it from the head: per package, a curl chain
// that downloads only when the head's CA matches the token's pin (no trust on first
// use, no internet). One text for both `floe token create` and the console's add-node
// page, sent in the token-create response as `agent_download_instructions`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace floe::appliance {

// `agentPackages`: the downloadToJson() entries; `caSha256`: the pin.
std::string agentDownloadInstructions(const nlohmann::json& agentPackages, const std::string& caSha256);

}  // namespace floe::appliance
