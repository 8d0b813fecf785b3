// floe-loadgen --idle: many kept-alive TLS connections that sit idle, the way 10,000
// agents look between heartbeats, to measure what an idle connection costs the head
// and to check that it keeps serving (tests/integration/test_idle_connections.py).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace floe::bench {

struct IdleOptions {
  int connections = 0;
  // How long to hold them once all are open; 0 holds until SIGINT/SIGTERM.
  double holdSeconds = 0;
  // Connections being opened at once (a burst of 10,000 SYNs overflows the backlog).
  int openConcurrency = 64;
  int headPid = 0;
  // Written (JSON: opened, errors, head RSS) once every connection is open or failed.
  std::string readyFile;
};

// Opens the connections (mutual TLS if `tls` carries a client certificate), sends
// GET /healthz on each and keeps it open; once all are open, samples the head's RSS
// (per-connection cost = growth / opened), holds them, then sends a second request on
// each to prove the head still serves a connection that sat idle. Returns the report.
nlohmann::json runIdleConnections(boost::asio::io_context& io,
                                  const boost::asio::ip::tcp::resolver::results_type& endpoints,
                                  const std::string& host, boost::asio::ssl::context& tls,
                                  const IdleOptions& options);

}  // namespace floe::bench
