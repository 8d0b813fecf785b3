// Turning requests into JSON and Status values into HTTP error responses.
#pragma once

#include <nlohmann/json.hpp>

#include "floe/common/status.h"
#include "floe/http/message.h"

namespace floe::appliance {

// The body as a JSON object; 415 for a non-JSON content type, 400 for bad JSON.
// On failure `error` holds the response to send.
bool parseJsonBody(const http::Request& request, nlohmann::json& body, http::Response& error);

// Maps an error Status to the HTTP status and {"error":{...}} body of the API contract.
http::Response errorResponse(const Status& status);
int httpStatusFor(ErrorCode code);

// Optional typed fields, with errors naming the field.
Result<std::optional<std::string>> optionalString(const nlohmann::json& body, const char* field);
Result<std::optional<int64_t>> optionalInteger(const nlohmann::json& body, const char* field);
Result<std::optional<bool>> optionalBool(const nlohmann::json& body, const char* field);

}  // namespace floe::appliance
