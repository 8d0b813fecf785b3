#include "floe/k8s/api_error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace floe::k8s {
namespace {

// Enough of a non-Status body (an HTML page from a proxy, say) to recognise it.
constexpr size_t kMaxQuotedBody = 200;

std::string_view reasonPhrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedBody)) {
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  if (text.size() > kMaxQuotedBody) out += "...";
  return out;
}

}  // namespace

ErrorCode errorCodeForHttpStatus(long httpStatus, std::string_view reason) {
  switch (httpStatus) {
    case 400:
    case 405:
    case 406:
    case 413:
    case 415:
    case 422: return ErrorCode::kInvalidArgument;
    case 401: return ErrorCode::kUnauthenticated;
    case 403: return ErrorCode::kPermissionDenied;
    case 404: return ErrorCode::kNotFound;
    case 409: return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kFailedPrecondition;
    case 410:  // Gone/Expired: the resourceVersion or continue token is too old
    case 412: return ErrorCode::kFailedPrecondition;
    case 429: return ErrorCode::kResourceExhausted;
    default: break;
  }
  if (httpStatus >= 500 && httpStatus <= 599) return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

Status apiError(std::string_view method, std::string_view target, long httpStatus, std::string_view body) {
  std::string_view path = target.substr(0, target.find('?'));
  std::string message = std::string(method) + " " + std::string(path) + ": " + std::to_string(httpStatus);
  std::string_view phrase = reasonPhrase(httpStatus);
  if (!phrase.empty()) message += " " + std::string(phrase);

  std::string reason;
  std::string detail;
  nlohmann::json status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    reason = status.value("reason", "");
    detail = status.value("message", "");
  } else if (!body.empty()) {
    detail = printable(body);
  }
  if (!reason.empty()) message += " (" + reason + ")";
  if (!detail.empty()) message += ": " + detail;
  return Status(errorCodeForHttpStatus(httpStatus, reason), std::move(message));
}

}  // namespace floe::k8s
