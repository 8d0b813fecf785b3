#pragma once

#include <string_view>

#include "floe/common/status.h"
#include "floe/http/message.h"

namespace floe::http {

// Splits an origin-form request target ("/a/b?x=1") into the request's decoded path
// and query parameters. A malformed target is an invalid-argument error.
Status parseTarget(std::string_view target, Request& request);

}  // namespace floe::http
