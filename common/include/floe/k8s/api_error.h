// Turning an API server's error response into a floe Status that keeps the server's
// words: "PATCH /api/v1/nodes/x: 409 Conflict (Conflict): Apply failed with 1 conflict: ...".
#pragma once

#include <string_view>

#include "floe/common/status.h"

namespace floe::k8s {

// How an HTTP status maps onto floe's codes; `reason` is the Status object's reason
// ("AlreadyExists", ...), which splits 409 into kAlreadyExists and kFailedPrecondition.
ErrorCode errorCodeForHttpStatus(long httpStatus, std::string_view reason);

// `target` may carry a query; the message shows the path only. `body` is usually a
// metav1.Status in JSON; anything else is quoted, shortened.
Status apiError(std::string_view method, std::string_view target, long httpStatus, std::string_view body);

}  // namespace floe::k8s
