#include "api/json_io.h"

namespace floe::appliance {

bool parseJsonBody(const http::Request& request, nlohmann::json& body, http::Response& error) {
  std::string contentType = request.header("content-type");
  std::string mediaType = contentType.substr(0, contentType.find(';'));
  for (auto& c : mediaType) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!mediaType.empty() && mediaType.back() == ' ') mediaType.pop_back();
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  if (!contentType.empty() && mediaType != "application/json") {
    error = http::Response::error(415, "unsupported_media_type",
                                  "the body must be application/json, got '" + contentType + "'");
    return false;
  }
  body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    error = http::Response::error(400, "invalid_argument", "the body is not valid JSON");
    return false;
  }
  if (!body.is_object()) {
    error = http::Response::error(400, "invalid_argument", "the body must be a JSON object");
    return false;
  }
  return true;
}

int httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::Response errorResponse(const Status& status) {
  int code = httpStatusFor(status.code());
  if (code >= 500) {
    // Internal details (paths, SQL errors) stay in the head's log.
    return http::Response::error(code, errorCodeName(status.code()),
                                 "the head could not complete the request: " +
                                     std::string(errorCodeName(status.code())) +
                                     "; see the head's log for details");
  }
  return http::Response::error(code, errorCodeName(status.code()), status.message());
}

Result<std::optional<std::string>> optionalString(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return invalidArgument(std::string("field '") + field + "' must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<int64_t>> optionalInteger(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return invalidArgument(std::string("field '") + field + "' must be an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<std::optional<bool>> optionalBool(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return invalidArgument(std::string("field '") + field + "' must be true or false");
  return std::optional<bool>(it->get<bool>());
}

}  // namespace floe::appliance
