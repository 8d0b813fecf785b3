// What the load generator's agents and idle connections share on the wire: the TLS
// stream type, SNI, and error names by phase.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/system/error_code.hpp>
#include <string>

namespace floe::bench {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// "handshake_timeout", "heartbeat_closed", ...: `phase` plus what went wrong.
std::string errorKind(const std::string& phase, const boost::system::error_code& ec);

// Sends SNI for `host` (SSL_set_tlsext_host_name is a macro with an old-style cast).
void setServerName(SSL* ssl, const std::string& host);

}  // namespace floe::bench
