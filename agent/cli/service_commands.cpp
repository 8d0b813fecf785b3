// join, run, status, leave: the agent's life in a cluster.
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>

#include "agent/cli/agent_commands.h"
#include "agent/cli/host_facts.h"
#include "agent/join/join.h"
#include "agent/run/heartbeat_loop.h"
#include "agent/run/load_sampler.h"
#include "agent/run/retry_gate.h"
#include "agent/run/run_lock.h"
#include "bootstrap/k3s_service.h"
#include "floe/common/files.h"
#include "floe/http/beast_http_client.h"
#include "floe/common/time_format.h"
#include "floe/pki/certificate.h"

namespace floe::agent {
namespace {

Result<std::map<std::string, std::string>> parseLabels(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> labels;
  for (const auto& flag : flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) return invalidArgument("--label '" + flag + "' must be KEY=VALUE");
    labels[flag.substr(0, eq)] = flag.substr(eq + 1);
  }
  return labels;
}

std::unique_ptr<http::HttpClient> nodeClient(const AgentStateDir& stateDir) {
  http::ClientTlsOptions tls;
  tls.caFile = stateDir.caFile().string();
  tls.clientCertFile = stateDir.certFile().string();
  tls.clientKeyFile = stateDir.keyFile().string();
  return http::makeBeastHttpClient(tls);
}

// Blocks SIGINT/SIGTERM in every thread and turns them into a stop request.
class SignalStopper {
 public:
  explicit SignalStopper(StopSignal& stop) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    waiter_ = std::thread([this, &stop] {
      int signal = 0;
      sigwait(&signals_, &signal);
      if (!selfWake_) spdlog::info("stopping on signal {}", signal);
      stop.requestStop();
    });
  }
  ~SignalStopper() {
    // Wake the waiter if no signal came, so it can be joined.
    selfWake_ = true;
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
  }
  SignalStopper(const SignalStopper&) = delete;
  SignalStopper& operator=(const SignalStopper&) = delete;

 private:
  sigset_t signals_;
  std::atomic<bool> selfWake_{false};
  std::thread waiter_;
};


// The join succeeded either way; a k3s problem is reported with what to do, and a
// repeated join (idempotent) retries it.
Status configureK3sAfterJoin(const AgentCliContext& ctx, const JoinedIdentity& identity, const JoinRequest& request,
                             const K3sAgentOptions& options) {
  FLOE_RETURN_IF_ERROR(saveK3sAgentOptions(ctx.stateDir, options));
  auto runner = bootstrap::makeCommandRunner();
  auto setup = configureK3sAgent(identity, request.inventory, request.labels, options, ctx.stateDir, *runner);
  if (!setup.isOk()) {
    return setup.status().withContext("joined as node " + identity.nodeId + ", but the k3s agent is not set up; fix "
                                      "this and run the same join command again");
  }
  if (ctx.json) return Status::ok();
  if (!setup->configured && identity.state == "pending" && options.enabled) {
    ctx.out << "k3s agent: set up by 'floe-agent run' once the node is approved.\n";
  } else if (!setup->configured) {
    ctx.out << "k3s agent: not set up (" << setup->why << ").\n";
  } else if (setup->installation.systemd) {
    ctx.out << "k3s agent: started as " << bootstrap::k3sUnitName(bootstrap::K3sRole::kAgent) << " ("
            << setup->binarySource << " " << setup->installation.binary.string() << ").\n";
  } else {
    ctx.out << "k3s agent: configured in " << setup->installation.paths.configFile().string()
            << "; 'floe-agent run' starts and supervises it (" << setup->binarySource << " "
            << setup->installation.binary.string() << ").\n";
  }
  return Status::ok();
}

}  // namespace

Status runJoinCommand(const AgentCliContext& ctx, const JoinFlags& flags) {
  FLOE_ASSIGN_OR_RETURN(auto labels, parseLabels(flags.labels));
  FLOE_RETURN_IF_ERROR(validateIgnoredIds(flags.ignoredChecks));
  Inventory inventory = collectHostInventory(ctx.sysroot);
  if (inventory.host.machineId.empty()) {
    return failedPrecondition("cannot read this machine's id from /etc/machine-id; create it with "
                              "'systemd-machine-id-setup' and run the join again");
  }
  bool rejoin = ctx.stateDir.isJoined();
  std::vector<CheckResult> checks = runHostChecks(inventory, rejoin);
  ctx.out << "Preflight checks:\n" << renderCheckResults(checks);
  auto blocking = blockingFailures(checks, flags.ignoredChecks);
  if (!blocking.empty()) {
    std::string ids;
    for (const auto& check : blocking) ids += (ids.empty() ? "" : ", ") + check.id;
    return failedPrecondition("preflight checks failed: " + ids +
                              ". Fix them (see the hints above), or pass --ignore-check ID for each one you accept");
  }

  JoinRequest request;
  request.headUrl = flags.headUrl;
  request.tokenText = flags.token;
  request.name = flags.name;
  request.labels = labels;
  request.machineId = inventory.host.machineId;
  request.inventory = hostInventoryJson(inventory);
  request.preflight = checkResultsToJson(checks);
  request.deadline = flags.deadline;
  auto clients = makeHeadClientFactory();
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(JoinedIdentity identity,
                        joinCluster(request, ctx.stateDir,
                                    {*clients, clock, [](auto d) { std::this_thread::sleep_for(d); }, ctx.out}));
  if (ctx.json) {
    ctx.out << nlohmann::json{{"node_id", identity.nodeId}, {"name", identity.name}, {"state", identity.state},
                              {"head_url", identity.headUrl}}
                   .dump(2)
            << "\n";
    return configureK3sAfterJoin(ctx, identity, request, flags.k3s);
  }
  ctx.out << "\nJoined " << identity.headUrl << " as node " << identity.nodeId << " (" << identity.name << ")";
  if (identity.state == "pending") {
    ctx.out << ".\nThe node is PENDING: an admin must approve it on the head:\n  floe nodes approve "
            << identity.nodeId << "\n";
  } else {
    ctx.out << ": the node is " << identity.state << ".\n";
  }
  ctx.out << "Identity saved in " << ctx.stateDir.root().string() << ". Start heartbeats with "
          << "'systemctl enable --now floe-agent' (or 'floe-agent run').\n";
  return configureK3sAfterJoin(ctx, identity, request, flags.k3s);
}

Status runAgentService(const AgentCliContext& ctx, std::chrono::seconds inventoryRefresh) {
  FLOE_ASSIGN_OR_RETURN(JoinedIdentity identity, ctx.stateDir.loadIdentity());
  SystemClock clock;
  StopSignal stop;
  SignalStopper stopper(stop);
  std::string sysroot = ctx.sysroot;
  LoadSampler load(sysroot);
  const AgentStateDir& stateDir = ctx.stateDir;
  FLOE_ASSIGN_OR_RETURN(RunLock runLock, RunLock::acquire(runPidFile(stateDir)));
  FLOE_ASSIGN_OR_RETURN(auto k3s, bootstrap::loadInstallation(k3sInstallationFile(stateDir)));
  auto runner = bootstrap::makeCommandRunner();
  std::unique_ptr<bootstrap::K3sService> k3sService;
  if (k3s) {
    k3sService = bootstrap::makeK3sService(*k3s, k3sAgentLogFile(stateDir), nullptr, *runner, clock);
    // Under systemd the unit runs on its own; here it only reports on it.
    if (!k3s->systemd) FLOE_RETURN_IF_ERROR(k3sService->start().withContext("starting the k3s agent"));
  }
  // A node approved after a pending join: set up and start its k3s agent now.
  // A node joined with --no-k3s says so in its heartbeats, so the head stops offering k3s.
  auto joinOptions = loadK3sAgentOptions(stateDir);
  const bool k3sWanted = !joinOptions.isOk() || joinOptions->enabled;
  bool warnedNoOptions = false;
  RetryGate k3sSetupRetry(clock, Backoff(std::chrono::seconds(10), std::chrono::minutes(5)));
  auto onK3sOffered = [&](const nlohmann::json& offered) {
    if (k3sService || !k3sSetupRetry.due()) return;
    auto options = loadK3sAgentOptions(stateDir);
    if (!options.isOk()) {
      if (!warnedNoOptions) {
        spdlog::warn("the head offers k3s parameters but the agent cannot set up k3s error=\"{}\"",
                     options.status().message());
        warnedNoOptions = true;
      }
      return;
    }
    if (!options->enabled) return;
    JoinedIdentity withK3s = identity;
    withK3s.k3s = offered;
    auto setup = configureK3sAgent(withK3s, hostInventoryJson(collectHostInventory(sysroot)), {}, *options, stateDir,
                                   *runner);
    if (!setup.isOk() || !setup->configured) {
      std::string why = setup.isOk() ? setup->why : setup.status().message();
      auto failure = k3sSetupRetry.failed(why);
      auto retryS = std::chrono::duration_cast<std::chrono::seconds>(failure.retryIn).count();
      if (failure.newReason) {
        spdlog::error("cannot set up the k3s agent offered by the head; retrying in {} s error=\"{}\"", retryS, why);
      } else {
        spdlog::debug("k3s agent set-up failed again; retrying in {} s error=\"{}\"", retryS, why);
      }
      return;
    }
    k3sSetupRetry.succeeded();
    k3sService = bootstrap::makeK3sService(setup->installation, k3sAgentLogFile(stateDir), nullptr, *runner, clock);
    if (!setup->installation.systemd) {
      if (auto started = k3sService->start(); !started.isOk()) {
        spdlog::error("cannot start the k3s agent error=\"{}\"", started.message());
      }
    }
  };
  HeartbeatDependencies deps{[&stateDir] { return nodeClient(stateDir); }, clock, stop,
                             [sysroot] { return hostInventoryJson(collectHostInventory(sysroot)); },
                             [&load] { return load.sample(); },
                             [&k3sService, k3sWanted] {
                               if (k3sService) return k3sService->status().toJson();
                               return nlohmann::json{{"state", k3sWanted ? "not-installed" : "disabled"}};
                             },
                             onK3sOffered};
  HeartbeatSettings settings;
  settings.inventoryRefresh = inventoryRefresh;
  Status result = runHeartbeatLoop(identity, ctx.stateDir, deps, settings);
  if (k3sService) k3sService->stop();
  return result;
}

Status runStatusCommand(const AgentCliContext& ctx) {
  FLOE_ASSIGN_OR_RETURN(JoinedIdentity identity, ctx.stateDir.loadIdentity());
  nlohmann::json status = nlohmann::json::object();
  if (auto text = readFile(ctx.stateDir.root() / "status.json"); text.isOk()) {
    auto parsed = nlohmann::json::parse(*text, nullptr, false);
    if (parsed.is_object()) status = parsed;
  }
  std::string certExpires = "unknown";
  if (auto pem = readFile(ctx.stateDir.certFile()); pem.isOk()) {
    if (auto cert = pki::Certificate::fromPem(*pem); cert.isOk()) {
      certExpires = formatRfc3339(cert->notAfterUnix());
    }
  }
  if (ctx.json) {
    ctx.out << nlohmann::json{{"node_id", identity.nodeId}, {"name", identity.name}, {"head_url", identity.headUrl},
                              {"joined_at", identity.joinedAt}, {"cert_expires_at", certExpires}, {"run", status}}
                   .dump(2)
            << "\n";
    return Status::ok();
  }
  ctx.out << "node:            " << identity.nodeId << " (" << identity.name << ")\n"
          << "head:            " << identity.headUrl << "\n"
          << "joined:          " << identity.joinedAt << "\n"
          << "certificate:     expires " << certExpires << "\n";
  if (status.empty()) {
    ctx.out << "heartbeats:      not running yet (start 'floe-agent run' or the floe-agent service)\n";
  } else {
    ctx.out << "heartbeats:      " << (status.value("connected", false) ? "connected" : "disconnected")
            << " since " << status.value("since", "?") << ", state " << status.value("state", "?") << "\n";
    if (!status.value("last_error", "").empty()) ctx.out << "last error:      " << status.value("last_error", "") << "\n";
  }
  return Status::ok();
}

Status runLeaveCommand(const AgentCliContext& ctx, bool force) {
  FLOE_ASSIGN_OR_RETURN(JoinedIdentity identity, ctx.stateDir.loadIdentity());
  auto client = nodeClient(ctx.stateDir);
  auto response = client->send({"POST", identity.headUrl + "/api/v1/agents/" + identity.nodeId + "/leave", "{}",
                                {{"Content-Type", "application/json"}}, std::chrono::seconds(15)});
  bool deregistered = response.isOk() && (response->status == 200 || response->status == 404);
  if (!deregistered) {
    std::string problem = response.isOk() ? "HTTP " + std::to_string(response->status) + ": " + response->body
                                          : response.status().message();
    if (!force) {
      return unavailable("could not deregister from " + identity.headUrl + ": " + problem +
                         ". Local state was kept; retry when the head is reachable, or pass --force to remove "
                         "it anyway (then remove the node on the head with 'floe nodes remove " +
                         identity.nodeId + "')");
    }
    ctx.out << "warning: could not deregister from the head (" << problem << "); removing local state anyway.\n";
  }
  // A running `floe-agent run` supervises the k3s agent: stop both before removing
  // what they use.
  FLOE_RETURN_IF_ERROR(stopRunningAgent(runPidFile(ctx.stateDir), std::chrono::seconds(40)));
  auto runner = bootstrap::makeCommandRunner();
  FLOE_RETURN_IF_ERROR(removeK3sAgent(ctx.stateDir, *runner));
  FLOE_RETURN_IF_ERROR(ctx.stateDir.remove());
  ctx.out << "Left the cluster: node " << identity.nodeId << " "
          << (deregistered ? "was removed on the head" : "must still be removed on the head") << ", and this "
          << "machine's key and certificate were deleted from " << ctx.stateDir.root().string() << ".\n";
  return Status::ok();
}

}  // namespace floe::agent
