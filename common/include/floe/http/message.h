// Transport-free HTTP request/response types: handlers are plain functions from
// Request to Response, so they are unit-testable without sockets.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace floe::http {

// Who is on the other end, as established by TLS.
struct PeerIdentity {
  std::string remoteAddress;
  // True only when the client presented a certificate that chains to the cluster CA.
  bool hasVerifiedCertificate = false;
  std::string commonName;
  std::string organization;
  std::vector<std::string> uris;
  std::string certificateSha256;
};

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; last value wins
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  PeerIdentity peer;

  std::string header(std::string_view lowercaseName) const;
  // Filled in by the router for patterns like /api/v1/nodes/{id}.
  std::map<std::string, std::string> pathParams;
  std::string pathParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  // {"error":{"code":"…","message":"…"}}
  static Response error(int status, std::string_view code, std::string_view message);
  static Response text(int status, std::string body, std::string contentType = "text/plain");
};

using Handler = std::function<Response(const Request&)>;

}  // namespace floe::http
