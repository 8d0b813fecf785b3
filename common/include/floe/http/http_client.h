// An HTTPS client interface (libcurl in production) so callers can be tested with
// a real server or a scripted one.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "floe/common/status.h"

namespace floe::http {

struct ClientTlsOptions {
  std::string caFile;           // trust only this CA (empty: system store)
  std::string clientCertFile;   // mutual TLS (optional)
  std::string clientKeyFile;
  // Only for fetching the CA before it can be trusted; the caller must then pin it by hash.
  bool insecureSkipVerify = false;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{15000};
};

struct ClientResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // A transport failure (DNS, connect, TLS, timeout) is an error; any HTTP status is a response.
  virtual Result<ClientResponse> send(const ClientRequest& request) = 0;
};

std::unique_ptr<HttpClient> makeCurlHttpClient(ClientTlsOptions tls);

}  // namespace floe::http
