// Kubernetes label syntax, checked where labels enter the system (tokens, joins).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "floe/common/status.h"

namespace floe::appliance {

Status validateLabel(std::string_view key, std::string_view value);
Status validateLabels(const std::map<std::string, std::string>& labels);

nlohmann::json labelsToJson(const std::map<std::string, std::string>& labels);
// From stored or received JSON: an object of strings, anything else is an error.
Result<std::map<std::string, std::string>> labelsFromJson(const nlohmann::json& json);
Result<std::map<std::string, std::string>> labelsFromText(std::string_view text);

}  // namespace floe::appliance
