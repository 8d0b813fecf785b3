#include "head/head_server.h"

#include <spdlog/spdlog.h>
#include <pthread.h>
#include <sys/resource.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/address.hpp>
#include <thread>

#include "agent/cli/host_facts.h"
#include "console/console_context.h"
#include "api/head_api.h"
#include "bootstrap/k3s_installation.h"
#include "cluster/head_cluster.h"
#include "rebalance/rebalance_controller.h"
#include "rebalance/rebalance_policy.h"
#include "floe/common/files.h"
#include "floe/pki/certificate_authority.h"
#include "head/data_dir.h"
#include "head/downloads.h"
#include "head/host_names.h"
#include "head/head_init.h"
#include "head/systemd_notify.h"

namespace floe::appliance {
namespace {

namespace asio = boost::asio;
constexpr std::chrono::seconds kShutdownGrace{5};

// Each agent keeps one connection open, so the default soft limit (often 1024 file
// descriptors) would cap the cluster long before --max-connections does. Raising the
// soft limit to the hard limit needs no privilege.
void raiseOpenFileLimit(size_t maxConnections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t previous = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    spdlog::debug("raised open file limit from={} to={}", previous, limit.rlim_cur);
  }
  // Headroom for the database, listening socket and log files.
  constexpr rlim_t kReservedDescriptors = 64;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < maxConnections + kReservedDescriptors) {
    spdlog::warn("open file limit {} is below --max-connections {}; raise LimitNOFILE (systemd) or ulimit -Hn",
                 limit.rlim_cur, maxConnections);
  }
}

// The HTTPS server's TLS stream lets OpenSSL write to the socket with write(2), which
// raises SIGPIPE when the client has already gone (a timed-out agent); the default
// action would kill the head. Blocked here, before any thread starts, so every thread
// inherits it and gets EPIPE instead; children get a clean mask (child_process.h).
void blockSigpipe() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

// Repeats `sweep` every `period` until the io_context stops.
void scheduleSweep(asio::steady_timer& timer, std::chrono::milliseconds period, NodeRegistry& nodes,
                   std::chrono::milliseconds heartbeatInterval) {
  timer.expires_after(period);
  timer.async_wait([&timer, period, &nodes, heartbeatInterval](boost::system::error_code ec) {
    if (ec) return;
    auto swept = nodes.sweepLost(heartbeatInterval);
    if (!swept.isOk()) spdlog::error("lost-node sweep failed error=\"{}\"", swept.status().message());
    scheduleSweep(timer, period, nodes, heartbeatInterval);
  });
}

}  // namespace

Status serveHead(const ServeOptions& options) {
  DataDir dir(options.dataDir);
  if (!std::filesystem::exists(dir.database()) || !std::filesystem::exists(dir.caCert())) {
    return failedPrecondition(dir.root.string() + " is not an initialised floe data directory; run 'floe init --data-dir " +
                              dir.root.string() + "' first");
  }
  raiseOpenFileLimit(options.limits.maxConnections);
  blockSigpipe();
  // Settings first: a mistake in floe.yaml stops the head before it changes anything.
  FLOE_ASSIGN_OR_RETURN(auto rebalancePolicy, rebalance::loadRebalancePolicy(dir.configFile()));
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(auto store, Store::open(dir.database()));
  FLOE_ASSIGN_OR_RETURN(std::string caPem, readFile(dir.caCert()));
  FLOE_ASSIGN_OR_RETURN(std::string caKeyPem, readFile(dir.caKey()));
  FLOE_ASSIGN_OR_RETURN(auto ca, pki::CertificateAuthority::load(caPem, caKeyPem));
  FLOE_ASSIGN_OR_RETURN(std::string serverCertPem, readFile(dir.serverCert()));
  FLOE_ASSIGN_OR_RETURN(std::string serverKeyPem, readFile(dir.serverKey()));
  FLOE_ASSIGN_OR_RETURN(auto advertised, loadAdvertisedNames(dir));
  if (advertised.empty()) return failedPrecondition("no advertised names stored; run 'floe init' again");

  std::string caSha256 = ca.certificate().derSha256Hex();
  TokenStore tokens(*store, clock, caSha256);
  NodeRegistry nodes(*store, clock, ca);
  Metrics metrics;
  JoinRateLimiter joinLimiter(clock, options.joinFailuresPerMinute);
  HeadInfo info{FLOE_VERSION, "", caPem, caSha256, options.heartbeatInterval, clock.nowUnixMillis(), "", ""};

  asio::io_context io(static_cast<int>(options.threads));
  // The API is built before the server so the handler can refer to it; the URL is
  // filled in once the port is known (port 0 picks one).
  std::unique_ptr<HeadApi> api;
  auto server = http::createHttpsServer(
      io, options.listen, {serverCertPem, serverKeyPem, caPem, options.tls13RecordLayer}, options.limits,
      [&api](const http::Request& request) { return api->handle(request); });
  if (!server.isOk()) return server.status();
  info.serverUrl = "https://" + hostForUrl(advertised.front()) + ":" + std::to_string((*server)->port());
  // k3s comes up while the API already serves: joins do not need it to be ready.
  std::unique_ptr<HeadCluster> cluster;
  std::unique_ptr<rebalance::RebalanceController> rebalancer;
  FLOE_ASSIGN_OR_RETURN(auto k3s, bootstrap::loadInstallation(dir.k3sInstallation()));
  if (k3s) {
    auto headInventory = agent::hostInventoryJson(agent::collectHostInventory(options.sysroot));
    StackSettings stack{options.deployStack, options.stackReconcileInterval, rebalancePolicy};
    FLOE_ASSIGN_OR_RETURN(cluster, HeadCluster::start(*k3s, dir, std::move(headInventory), nodes, clock, *store, stack));
    info.k3sServerUrl = k3s->serverUrl;
    info.k3sAgentToken = k3s->agentToken;
    rebalancer = std::make_unique<rebalance::RebalanceController>(
        rebalance::RebalanceControllerOptions{k3s->paths.kubeconfig(), rebalancePolicy}, *store, clock);
    rebalancer->start();
  }
  DownloadsDir downloads(options.downloadsDir.empty() ? dir.downloadsDir() : options.downloadsDir);
  console::ConsoleAccounts consoleAccounts(*store, clock);
  console::SessionStore consoleSessions(*store, clock, options.consoleSessions);
  JoinRateLimiter loginLimiter(clock, console::kMaxLoginFailures, console::kLoginFailureWindow);
  JoinRateLimiter loginAddressLimiter(clock, console::kMaxLoginFailuresPerAddress, console::kLoginFailureWindow);
  console::ConsoleContext consoleContext{consoleAccounts, consoleSessions, loginLimiter, loginAddressLimiter,
                                         options.consoleAssets};
  api = std::make_unique<HeadApi>(ApiContext{*store, tokens, nodes, metrics, joinLimiter, clock, info, cluster.get(),
                                             &downloads, &consoleContext, rebalancer.get()});

  std::string listenHost = options.listen.substr(0, options.listen.rfind(':'));
  if (listenHost == "0.0.0.0" || listenHost == "[::]") listenHost = "127.0.0.1";
  std::string localUrl = "https://" + listenHost + ":" + std::to_string((*server)->port());
  FLOE_RETURN_IF_ERROR(writeFileAtomically(dir.serveUrlFile(), localUrl + "\n",
                                           std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                               std::filesystem::perms::group_read | std::filesystem::perms::others_read));
  (*server)->start();
  spdlog::info("head serving listen={} url={} workers_use={} ca_sha256={} heartbeat_interval_ms={}",
               options.listen, localUrl, info.serverUrl, caSha256, options.heartbeatInterval.count());
  if (auto notified = notifySystemd("READY=1"); !notified.isOk()) spdlog::warn("systemd readiness notification failed error=\"{}\"", notified.message());

  asio::steady_timer sweepTimer(io);
  auto sweepPeriod = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), options.heartbeatInterval / 2);
  scheduleSweep(sweepTimer, sweepPeriod, nodes, options.heartbeatInterval);

  asio::steady_timer drainTimer(io);
  auto shutdownDeadline = std::chrono::steady_clock::time_point::max();
  std::function<void()> waitForDrain = [&] {
    if ((*server)->openConnections() == 0 || std::chrono::steady_clock::now() >= shutdownDeadline) {
      io.stop();
      return;
    }
    drainTimer.expires_after(std::chrono::milliseconds(50));
    drainTimer.async_wait([&](boost::system::error_code ec) {
      if (!ec) waitForDrain();
    });
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("shutting down signal={} open_connections={}", signal, (*server)->openConnections());
    if (auto notified = notifySystemd("STOPPING=1"); !notified.isOk()) spdlog::warn("systemd stopping notification failed error=\"{}\"", notified.message());
    (*server)->stop();
    sweepTimer.cancel();
    shutdownDeadline = std::chrono::steady_clock::now() + kShutdownGrace;
    waitForDrain();
  });

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < options.threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();

  // The rebalancer first: it talks to the API server that stopping k3s takes away.
  if (rebalancer) rebalancer->stop();
  if (cluster) cluster->stop();
  std::error_code ignored;
  std::filesystem::remove(dir.serveUrlFile(), ignored);
  spdlog::info("head stopped");
  return Status::ok();
}

}  // namespace floe::appliance
