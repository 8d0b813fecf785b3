// Where each kind the manifests use lives in the API (group, version, plural, scope).
#pragma once

#include <nlohmann/json.hpp>

#include "floe/common/status.h"
#include "floe/k8s/resource.h"

namespace floe::appliance {

// From the object's apiVersion and kind; an unknown kind is an error naming it (a manifest
// using a new kind needs a line in resource_kinds.cpp).
Result<k8s::ResourceType> resourceTypeOf(const nlohmann::json& object);

}  // namespace floe::appliance
