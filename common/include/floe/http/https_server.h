// An HTTPS server on Boost.Beast + OpenSSL with limits on everything a client controls:
// header and body size, time per phase, and the number of concurrent connections.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "floe/common/status.h"
#include "floe/http/message.h"

namespace floe::http {

struct ServerLimits {
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 1024 * 1024;
  std::chrono::seconds handshakeTimeout{10};
  // Covers reading one whole request, so a client trickling headers is cut off.
  std::chrono::seconds readTimeout{30};
  std::chrono::seconds writeTimeout{30};
  // How long a kept-alive connection may sit between requests.
  std::chrono::seconds idleTimeout{120};
  size_t maxConnections = 1024;
};

struct TlsServerConfig {
  std::string certificateChainPem;
  std::string privateKeyPem;
  // Client certificates are requested but optional; those presented must chain to this CA.
  std::string clientCaPem;
  // After a TLS 1.3 AES-GCM handshake, continue on the head's own record layer and free
  // OpenSSL's per-connection state (~28 KB -> ~5 KB per idle connection; tls13_handoff.h).
  // false keeps every connection on OpenSSL: the operator's fallback (--tls-keep-openssl).
  bool tls13RecordLayer = true;
};

class HttpsServer {
 public:
  virtual ~HttpsServer() = default;
  virtual uint16_t port() const = 0;
  virtual void start() = 0;
  // Stops accepting; open connections finish their current request and close.
  virtual void stop() = 0;
  virtual size_t openConnections() const = 0;
};

// `listen` is "ADDR:PORT" (IPv6 as "[::1]:PORT"); port 0 picks a free port.
Result<std::shared_ptr<HttpsServer>> createHttpsServer(boost::asio::io_context& io,
                                                       std::string_view listen,
                                                       const TlsServerConfig& tls,
                                                       const ServerLimits& limits,
                                                       Handler handler);

}  // namespace floe::http
