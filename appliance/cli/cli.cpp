#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <tuple>
#include <cstdlib>

#include "cli/commands.h"
#include "console/console_accounts.h"
#include "floe/common/cli_support.h"
#include "floe/common/logging.h"
#include "floe/common/time_format.h"

namespace floe::appliance {

int runFloeCli(int argc, char** argv, console::ConsoleAssets consoleAssets) {
  CLI::App app{"floe: the head of an on-prem lakehouse appliance (k3s, Spark, Iceberg)"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the subcommand

  std::string dataDir = environmentOr("FLOE_DATA_DIR", kDefaultDataDir);
  std::string server;
  bool json = false;
  app.add_option("--data-dir", dataDir, "State directory (default $FLOE_DATA_DIR or /var/lib/floe)");
  app.add_option("--server", server, "Head URL for admin commands (default: from <data-dir>/serve.url)");
  app.add_flag("--json", json, "Machine-readable output");

  std::function<Status()> action;

  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([&] { action = [] { std::cout << "floe " << FLOE_VERSION << "\n"; return Status::ok(); }; });

  std::vector<std::string> advertise;
  auto* init = app.add_subcommand("init", "Create the state database, cluster CA and certificates (idempotent)");
  init->add_option("--advertise", advertise, "Name or IP workers use to reach this head (repeatable)");
  K3sInitFlags k3sFlags;
  init->add_flag("--no-k3s", k3sFlags.disabled, "Set up the head without Kubernetes (no k3s server)");
  init->add_option("--bundle", k3sFlags.bundle, "Airgap bundle directory to install k3s from (checksums verified)");
  init->add_option("--k3s-binary", k3sFlags.binary, "The k3s to run (default: an installed k3s)");
  init->add_option("--k3s-install-dir", k3sFlags.installDir,
                   "Where a bundle's k3s is installed, and an installed k3s is looked for")
      ->capture_default_str();
  init->add_option("--k3s-config-dir", k3sFlags.configDir, "Where k3s's config.yaml and kubeconfig go")
      ->capture_default_str();
  init->add_option("--k3s-data-dir", k3sFlags.dataDir, "k3s's data directory")->capture_default_str();
  init->add_option("--k3s-port", k3sFlags.apiPort, "Port of the Kubernetes API server")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  init->add_option("--cluster-cidr", k3sFlags.clusterCidr, "Pod network")->capture_default_str();
  init->add_option("--service-cidr", k3sFlags.serviceCidr, "Service network")->capture_default_str();
  init->add_option("--node-name", k3sFlags.nodeName, "The head's Kubernetes node name (default: hostname)");
  init->add_option("--k3s-service", k3sFlags.serviceMode,
                   "auto (a systemd unit where systemd runs the machine), systemd, or supervised (floe serve runs k3s)")
      ->capture_default_str();
  std::string sysroot = "/";
  // Tests read a captured host tree instead of this machine.
  init->add_option("--sysroot", sysroot, "Read the head's /proc, /sys, /etc under this directory")
      ->group("")
      ->capture_default_str();

  bool resetConfirmed = false;
  auto* reset = app.add_subcommand("reset", "Undo 'floe init': remove k3s and all of this head's state");
  reset->add_flag("--yes", resetConfirmed, "Confirm: the cluster's CA, nodes and k3s data are deleted");

  ServeOptions serve;
  std::string listen = serve.listen, heartbeat = "5s", logLevel = "info";
  size_t maxConnections = serve.limits.maxConnections;
  auto* serveCmd = app.add_subcommand("serve", "Run the head's HTTPS API until SIGTERM/SIGINT");
  serveCmd->add_option("--listen", listen, "ADDR:PORT to listen on (port 0: any free port)")->capture_default_str();
  serveCmd->add_option("--heartbeat-interval", heartbeat, "Agent heartbeat interval; 3 missed = lost")
      ->capture_default_str();
  serveCmd->add_option("--join-failures-per-minute", serve.joinFailuresPerMinute,
                       "Failed joins allowed per source address per minute")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serveCmd->add_option("--max-connections", maxConnections, "Concurrent connections")->capture_default_str();
  std::string handshakeTimeout = "10s", readTimeout = "30s", idleTimeout = "120s";
  serveCmd->add_option("--handshake-timeout", handshakeTimeout, "Time allowed for a client's TLS handshake")
      ->capture_default_str();
  serveCmd->add_option("--read-timeout", readTimeout, "Time allowed to send one whole request")
      ->capture_default_str();
  serveCmd->add_option("--idle-timeout", idleTimeout, "How long a kept-alive connection may wait between requests")
      ->capture_default_str();
  serveCmd->add_option("--log-level", logLevel, "trace, debug, info, warn or error")->capture_default_str();
  std::string consoleIdleTimeout = "30m";
  serveCmd->add_option("--console-idle-timeout", consoleIdleTimeout,
                       "A web console session ends after this long without a request")
      ->capture_default_str();
  std::string downloadsDir, stackReconcile = "30s";
  bool noStack = false;
  serveCmd->add_option("--downloads-dir", downloadsDir,
                       "Files offered to workers under /downloads/ (default <data-dir>/downloads)");
  serveCmd->add_flag("--no-stack", noStack, "Do not deploy the lakehouse stack (k3s and the node controller only)");
  bool tlsKeepOpenssl = false;
  serveCmd->add_flag("--tls-keep-openssl", tlsKeepOpenssl,
                     "Keep every TLS connection on OpenSSL after the handshake instead of handing TLS 1.3 "
                     "connections to floe's own record layer (a fallback; ~28 KB instead of ~5 KB per idle connection)");
  serveCmd->add_option("--stack-reconcile-interval", stackReconcile,
                       "How often the stack is re-applied and checked; drift is repaired within it")
      ->capture_default_str();
  serveCmd->add_option("--sysroot", sysroot, "Read the head's /proc, /sys, /etc under this directory")
      ->group("")
      ->capture_default_str();

  auto* token = app.add_subcommand("token", "Create, list and revoke join tokens");
  token->require_subcommand(1);
  TokenCreateFlags createFlags;
  auto* tokenCreate = token->add_subcommand("create", "Create a join token and print the worker's join command");
  tokenCreate->add_option("--ttl", createFlags.ttl, "Lifetime, e.g. 1h, 24h, 7d")->capture_default_str();
  tokenCreate->add_option("--uses", createFlags.uses, "Maximum number of joins (default unlimited)");
  tokenCreate->add_option("--label", createFlags.labels, "KEY=VALUE label for joining nodes (repeatable)");
  tokenCreate->add_flag("--pending", createFlags.pending, "Joining nodes wait for 'floe nodes approve'");
  tokenCreate->add_option("--description", createFlags.description, "Free text shown in 'token list'");
  auto* tokenList = token->add_subcommand("list", "List join tokens");
  std::string id;
  auto* tokenRevoke = token->add_subcommand("revoke", "Revoke a join token");
  tokenRevoke->add_option("ID", id, "Token id")->required();

  auto* nodes = app.add_subcommand("nodes", "List, inspect, approve and remove nodes");
  nodes->require_subcommand(1);
  auto* nodesList = nodes->add_subcommand("list", "List nodes");
  auto* nodesShow = nodes->add_subcommand("show", "Show a node with its inventory");
  nodesShow->add_option("ID", id, "Node id")->required();
  auto* nodesApprove = nodes->add_subcommand("approve", "Approve a pending node");
  nodesApprove->add_option("ID", id, "Node id")->required();
  auto* nodesRemove = nodes->add_subcommand("remove", "Remove a node; its certificate stops working");
  nodesRemove->add_option("ID", id, "Node id")->required();

  EventsFlags eventsFlags;
  auto* events = app.add_subcommand("events", "Show the audit log, newest first");
  events->add_option("--limit", eventsFlags.limit, "How many events")->capture_default_str();
  events->add_option("--node", eventsFlags.node, "Only events of this node id");
  events->add_option("--kind", eventsFlags.kind, "Only events of this kind, e.g. node.joined");

  auto* status = app.add_subcommand("status", "Show the head's status and the lakehouse stack's components");

  RenderFlags renderFlags;
  auto* render = app.add_subcommand("render", "Print (or write to --out DIR) the stack's Kubernetes objects "
                                              "exactly as the head applies them; secrets shown as references");
  render->add_option("--out", renderFlags.outDir, "Write one file per manifest into this directory");
  render->add_option("--sysroot", renderFlags.sysroot, "Read the head's /proc, /sys, /etc under this directory")
      ->group("")
      ->capture_default_str();

  SparkDefaultsFlags sparkFlags;
  auto& lake = sparkFlags.endpoints;
  auto* sparkDefaults = app.add_subcommand(
      "spark-defaults", "Print the Spark settings a client needs to reach this lakehouse's Iceberg catalog and S3 store");
  sparkDefaults->add_option("--catalog-uri", lake.catalogUri, "Iceberg REST catalog URI")->capture_default_str();
  sparkDefaults->add_option("--s3-endpoint", lake.s3Endpoint, "S3 endpoint URL")->capture_default_str();
  sparkDefaults->add_option("--warehouse", lake.warehouse, "Catalog warehouse (Polaris: the catalog's name)")
      ->capture_default_str();
  sparkDefaults->add_option("--catalog-name", lake.catalogName, "Catalog name in Spark (spark.sql.catalog.<name>)")
      ->capture_default_str();
  sparkDefaults->add_option("--region", lake.region, "S3 region the client signs for")->capture_default_str();
  sparkDefaults->add_option("--s3-access-key-variable", lake.s3AccessKeyIdVariable,
                            "Environment variable holding the S3 access key id")
      ->capture_default_str();
  sparkDefaults->add_option("--s3-secret-key-variable", lake.s3SecretAccessKeyVariable,
                            "Environment variable holding the S3 secret key")
      ->capture_default_str();
  sparkDefaults->add_option("--catalog-credential-variable", lake.catalogCredentialVariable,
                            "Environment variable holding the catalog's OAuth client_id:client_secret ('' for none)")
      ->capture_default_str();
  sparkDefaults->add_option("--format", sparkFlags.format, "conf (spark-defaults.conf) or submit (--conf k=v lines)")
      ->capture_default_str()
      ->check(CLI::IsMember({"conf", "submit"}));
  auto* admin = app.add_subcommand("admin", "Manage the web console's accounts");
  admin->require_subcommand(1);
  std::string consoleUser = console::kAdminUser;
  auto* resetPassword = admin->add_subcommand(
      "reset-password", "Give a console account a new random password (printed once) and end its sessions");
  resetPassword->add_option("--user", consoleUser, "The console account")->capture_default_str();

  RebalanceFlags rebalanceFlags;
  int historyLimit = 20;
  auto* rebalanceCmd = app.add_subcommand("rebalance", "Move workloads onto spare capacity (a round on the head), or history/show");
  rebalanceCmd->require_subcommand(0, 1);
  rebalanceCmd->add_flag("--dry-run", rebalanceFlags.dryRun, "Plan only: show what would move, evict nothing");
  rebalanceCmd->add_flag("--no-wait", rebalanceFlags.noWait, "Start the round and return without following it");
  rebalanceCmd->add_option("--kubeconfig", rebalanceFlags.kubeconfig,
                           "Run the round here against this cluster, without a head (nothing is recorded)");
  rebalanceCmd->add_option("--config", rebalanceFlags.config,
                           "With --kubeconfig: floe.yaml to read the rebalance policy from (default <data-dir>/floe.yaml)");
  auto* rebalanceHistory = rebalanceCmd->add_subcommand("history", "Past rounds, newest first");
  rebalanceHistory->add_option("--limit", historyLimit, "How many rounds")->capture_default_str()->check(CLI::Range(1, 1000));
  auto* rebalanceShow = rebalanceCmd->add_subcommand("show", "One round: per-node utilisation before and after, evictions");
  rebalanceShow->add_option("ID", id, "Report id")->required();

  // Commands other than serve print their own results; the library's info logs
  // (schema migrations and such) would only be noise there.
  (void)initLogging("warn");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  CliContext ctx{DataDir(dataDir), server, json, std::cout};
  if (!action) {
    if (*init) action = [&] { return runInit(ctx, advertise, k3sFlags, sysroot); };
    if (*reset) action = [&] { return runReset(ctx, resetConfirmed); };
    if (*serveCmd) {
      action = [&]() -> Status {
        FLOE_RETURN_IF_ERROR(initLogging(logLevel));
        FLOE_ASSIGN_OR_RETURN(serve.heartbeatInterval, parseDuration(heartbeat));
        if (serve.heartbeatInterval < std::chrono::milliseconds(100)) {
          return invalidArgument("--heartbeat-interval must be at least 100ms");
        }
        serve.dataDir = ctx.dataDir.root;
        serve.sysroot = sysroot;
        serve.downloadsDir = downloadsDir;
        serve.listen = listen;
        serve.consoleAssets = consoleAssets;
        FLOE_ASSIGN_OR_RETURN(auto consoleIdle, parseDuration(consoleIdleTimeout));
        if (consoleIdle < std::chrono::minutes(1)) return invalidArgument("--console-idle-timeout must be at least 1m");
        serve.consoleSessions.idleTimeout = std::chrono::duration_cast<std::chrono::seconds>(consoleIdle);
        serve.limits.maxConnections = maxConnections;
        serve.deployStack = !noStack;
        serve.tls13RecordLayer = !tlsKeepOpenssl;
        FLOE_ASSIGN_OR_RETURN(serve.stackReconcileInterval, parseDuration(stackReconcile));
        if (serve.stackReconcileInterval < std::chrono::seconds(1)) {
          return invalidArgument("--stack-reconcile-interval must be at least 1s");
        }
        for (auto [flag, text, target] : {std::tuple{"--handshake-timeout", &handshakeTimeout, &serve.limits.handshakeTimeout},
                                          std::tuple{"--read-timeout", &readTimeout, &serve.limits.readTimeout},
                                          std::tuple{"--idle-timeout", &idleTimeout, &serve.limits.idleTimeout}}) {
          FLOE_ASSIGN_OR_RETURN(auto duration, parseDuration(*text));
          if (duration < std::chrono::seconds(1)) {
            return invalidArgument(std::string(flag) + " must be at least 1s");
          }
          *target = std::chrono::duration_cast<std::chrono::seconds>(duration);
        }
        return runServe(serve);
      };
    }
    if (*tokenCreate) action = [&] { return runTokenCreate(ctx, createFlags); };
    if (*tokenList) action = [&] { return runTokenList(ctx); };
    if (*tokenRevoke) action = [&] { return runTokenRevoke(ctx, id); };
    if (*nodesList) action = [&] { return runNodesList(ctx); };
    if (*nodesShow) action = [&] { return runNodesShow(ctx, id); };
    if (*nodesApprove) action = [&] { return runNodesApprove(ctx, id); };
    if (*nodesRemove) action = [&] { return runNodesRemove(ctx, id); };
    if (*events) action = [&] { return runEvents(ctx, eventsFlags); };
    if (*status) action = [&] { return runStatus(ctx); };
    if (*render) action = [&] { return runRender(ctx, renderFlags); };
    if (*sparkDefaults) action = [&] { return runSparkDefaults(ctx, sparkFlags); };
    if (*resetPassword) action = [&] { return runAdminResetPassword(ctx, consoleUser); };
    if (*rebalanceCmd) action = [&] { return runRebalance(ctx, rebalanceFlags); };
    if (*rebalanceHistory) action = [&] { return runRebalanceHistory(ctx, historyLimit); };
    if (*rebalanceShow) action = [&] { return runRebalanceShow(ctx, id); };
  }
  if (!action) {
    std::cerr << app.help();
    return kExitUsage;
  }
  Status result = action();
  if (!result.isOk()) {
    std::cerr << "floe: " << result.message() << "\n";
    return kExitFailed;
  }
  return 0;
}

}  // namespace floe::appliance
