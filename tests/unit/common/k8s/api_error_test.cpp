#include "floe/k8s/api_error.h"

#include <catch2/catch.hpp>

namespace floe::k8s {
namespace {

// As kube-apiserver 1.33 sends it for a server-side apply conflict.
constexpr const char* kApplyConflict =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.team","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-client-side-apply\" using v1","field":".metadata.labels.team"}]},"code":409})";

TEST_CASE("apiError: keeps the server's reason and message", "[k8s]") {
  Status status = apiError("PATCH", "/api/v1/nodes/x?fieldManager=floe", 409, kApplyConflict);
  CHECK(status.code() == ErrorCode::kFailedPrecondition);
  CHECK(status.message() ==
        "PATCH /api/v1/nodes/x: 409 Conflict (Conflict): Apply failed with 1 conflict: conflict with "
        "\"kubectl-client-side-apply\" using v1: .metadata.labels.team");
}

TEST_CASE("apiError: AlreadyExists splits 409", "[k8s]") {
  Status status = apiError(
      "POST", "/api/v1/namespaces/default/configmaps", 409,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"a\" already exists","reason":"AlreadyExists","details":{"name":"a","kind":"configmaps"},"code":409})");
  CHECK(status.code() == ErrorCode::kAlreadyExists);
  CHECK(status.message() ==
        "POST /api/v1/namespaces/default/configmaps: 409 Conflict (AlreadyExists): configmaps \"a\" already exists");
}

TEST_CASE("apiError: HTTP status to error code", "[k8s]") {
  CHECK(errorCodeForHttpStatus(400, "BadRequest") == ErrorCode::kInvalidArgument);
  CHECK(errorCodeForHttpStatus(401, "Unauthorized") == ErrorCode::kUnauthenticated);
  CHECK(errorCodeForHttpStatus(403, "Forbidden") == ErrorCode::kPermissionDenied);
  CHECK(errorCodeForHttpStatus(404, "NotFound") == ErrorCode::kNotFound);
  CHECK(errorCodeForHttpStatus(409, "Conflict") == ErrorCode::kFailedPrecondition);
  CHECK(errorCodeForHttpStatus(409, "AlreadyExists") == ErrorCode::kAlreadyExists);
  CHECK(errorCodeForHttpStatus(410, "Expired") == ErrorCode::kFailedPrecondition);
  CHECK(errorCodeForHttpStatus(422, "Invalid") == ErrorCode::kInvalidArgument);
  CHECK(errorCodeForHttpStatus(429, "TooManyRequests") == ErrorCode::kResourceExhausted);
  CHECK(errorCodeForHttpStatus(500, "InternalError") == ErrorCode::kUnavailable);
  CHECK(errorCodeForHttpStatus(503, "ServiceUnavailable") == ErrorCode::kUnavailable);
  CHECK(errorCodeForHttpStatus(504, "Timeout") == ErrorCode::kUnavailable);
  CHECK(errorCodeForHttpStatus(302, "") == ErrorCode::kInternal);
}

TEST_CASE("apiError: a body that is not a Status is quoted, shortened, on one line", "[k8s]") {
  std::string html = "<html>\n<body>Bad gateway</body>\n</html>" + std::string(400, 'x');
  Status status = apiError("GET", "/api/v1/pods?limit=500", 502, html);
  CHECK(status.code() == ErrorCode::kUnavailable);
  CHECK_THAT(status.message(), Catch::StartsWith("GET /api/v1/pods: 502 Bad Gateway: <html> <body>Bad gateway"));
  CHECK_THAT(status.message(), Catch::EndsWith("..."));
  CHECK(status.message().find('\n') == std::string::npos);
  CHECK(status.message().size() < 260);

  CHECK(apiError("DELETE", "/api/v1/nodes/x", 404, "").message() == "DELETE /api/v1/nodes/x: 404 Not Found");
}

}  // namespace
}  // namespace floe::k8s
