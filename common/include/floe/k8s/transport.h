// How KubeClient reaches the API server: one request at a time, or a streamed body
// delivered line by line (watches). libcurl in production (curl_transport.h); tests
// script it. A transport knows the server and the credentials; callers give paths.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::k8s {

struct TransportRequest {
  std::string method = "GET";
  std::string target;       // path and query, e.g. "/api/v1/pods?limit=500"
  std::string body;
  std::string contentType;  // sent only when there is a body
  // The whole exchange for send(); for stream(), connecting only (the idle limit and
  // TCP keepalive cover the rest: a watch has no natural end time).
  std::chrono::milliseconds timeout{30000};
  // stream() only: no byte for this long means the connection is dead (0: no limit).
  // Set it above the watch's timeoutSeconds so an idle but healthy watch is not cut.
  std::chrono::milliseconds idleTimeout{0};
};

struct TransportResponse {
  long status = 0;
  std::string body;                            // for stream(): only when status is not 2xx
  std::map<std::string, std::string> headers;  // names lowercased
};

// Called for every complete line of a streamed 2xx body (without the newline).
// Returning false ends the stream.
using LineHandler = std::function<bool(std::string_view line)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // A transport failure (connect, TLS, timeout) is an error; any HTTP status is a
  // response. A stop request cancels promptly and returns an error too.
  virtual Result<TransportResponse> send(const TransportRequest& request, std::stop_token stop) = 0;

  // Like send(), but a 2xx body goes to onLine as it arrives. Returns the response when
  // the server ends the body or onLine returns false; an error on failure or stop.
  virtual Result<TransportResponse> stream(const TransportRequest& request, const LineHandler& onLine,
                                           std::stop_token stop) = 0;
};

}  // namespace floe::k8s
