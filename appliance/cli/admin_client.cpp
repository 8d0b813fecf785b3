#include "cli/admin_client.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "floe/common/files.h"

namespace floe::appliance {
namespace {

Status checkReadable(const std::filesystem::path& path, std::string_view what) {
  if (::access(path.c_str(), R_OK) == 0) return Status::ok();
  int error = errno;
  if (error == ENOENT) {
    return notFound(std::string(what) + " " + path.string() +
                    " does not exist; is --data-dir right, and has 'floe init' run?");
  }
  if (error == EACCES) {
    return permissionDenied("cannot read " + std::string(what) + " " + path.string() +
                            ": permission denied; run as root (sudo) or as the data directory's owner");
  }
  return ioError("cannot read " + path.string() + ": " + std::strerror(error));
}

ErrorCode codeForHttpStatus(long status) {
  switch (status) {
    case 400: return ErrorCode::kInvalidArgument;
    case 401: return ErrorCode::kUnauthenticated;
    case 403: return ErrorCode::kPermissionDenied;
    case 404: return ErrorCode::kNotFound;
    case 409: return ErrorCode::kFailedPrecondition;
    case 429: return ErrorCode::kResourceExhausted;
    case 503: return ErrorCode::kUnavailable;
    default: return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
  }
}

}  // namespace

Result<AdminClient> AdminClient::connect(const DataDir& dir, std::string serverUrl) {
  FLOE_RETURN_IF_ERROR(checkReadable(dir.adminCert(), "admin certificate"));
  FLOE_RETURN_IF_ERROR(checkReadable(dir.adminKey(), "admin key"));
  FLOE_RETURN_IF_ERROR(checkReadable(dir.caCert(), "cluster CA certificate"));
  if (serverUrl.empty()) {
    auto recorded = readFile(dir.serveUrlFile());
    if (!recorded.isOk()) {
      return unavailable("no running head found: " + dir.serveUrlFile().string() +
                         " is missing (start the head with 'floe serve', or pass --server https://HOST:PORT)");
    }
    serverUrl = *recorded;
    while (!serverUrl.empty() && std::isspace(static_cast<unsigned char>(serverUrl.back()))) serverUrl.pop_back();
  }
  while (!serverUrl.empty() && serverUrl.back() == '/') serverUrl.pop_back();
  if (serverUrl.rfind("https://", 0) != 0) {
    return invalidArgument("server URL '" + serverUrl + "' must start with https://");
  }
  http::ClientTlsOptions tls;
  tls.caFile = dir.caCert().string();
  tls.clientCertFile = dir.adminCert().string();
  tls.clientKeyFile = dir.adminKey().string();
  return AdminClient(http::makeCurlHttpClient(tls), serverUrl);
}

Result<nlohmann::json> AdminClient::call(const std::string& method, const std::string& path,
                                         const nlohmann::json& body) {
  http::ClientRequest request;
  request.method = method;
  request.url = baseUrl_ + path;
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers["Content-Type"] = "application/json";
  }
  FLOE_ASSIGN_OR_RETURN(http::ClientResponse response, client_->send(request));
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status >= 200 && response.status < 300) {
    if (parsed.is_discarded()) return internalError("the head answered with invalid JSON");
    return parsed;
  }
  std::string message = "HTTP " + std::to_string(response.status);
  if (!parsed.is_discarded() && parsed.contains("error") && parsed["error"].is_object()) {
    message = parsed["error"].value("message", message);
  }
  return Status(codeForHttpStatus(response.status), message);
}

}  // namespace floe::appliance
