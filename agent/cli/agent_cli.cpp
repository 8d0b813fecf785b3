#include "agent/cli/agent_cli.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "agent/cli/agent_commands.h"
#include "agent/cli/inventory_command.h"
#include "bootstrap/systemd_unit.h"
#include "floe/common/files.h"
#include "floe/common/cli_support.h"
#include "floe/common/logging.h"
#include "floe/common/time_format.h"

namespace floe::agent {
namespace {


// The token may come from --token, --token-file or $FLOE_JOIN_TOKEN; the latter two keep
// it out of `ps` and shell history.
Result<std::string> resolveToken(const std::string& flag, const std::string& file) {
  if (!flag.empty()) return flag;
  if (!file.empty()) {
    FLOE_ASSIGN_OR_RETURN(std::string text, readFile(file));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
  }
  if (const char* env = std::getenv("FLOE_JOIN_TOKEN"); env && *env) return std::string(env);
  return invalidArgument("no join token: pass --token FLOE1-… (printed by 'floe token create' on the head), "
                         "--token-file FILE, or set FLOE_JOIN_TOKEN");
}

}  // namespace

int runAgentCli(int argc, char** argv) {
  CLI::App app{"floe-agent: joins this machine to a floe cluster and keeps it reporting"};
  app.require_subcommand(1);
  app.fallthrough();

  std::string stateDir = environmentOr("FLOE_AGENT_STATE_DIR", kDefaultStateDir);
  std::string sysroot = "/";
  std::string logLevel = "info";
  bool json = false;
  app.add_option("--state-dir", stateDir, "Agent state (default $FLOE_AGENT_STATE_DIR or /var/lib/floe-agent)");
  app.add_option("--sysroot", sysroot, "Read /proc, /sys, /etc under this directory (for tests)")->capture_default_str();
  app.add_option("--log-level", logLevel, "trace, debug, info, warn or error")->capture_default_str();
  app.add_flag("--json", json, "Machine-readable output");

  auto* version = app.add_subcommand("version", "Print the version");

  JoinFlags join;
  std::string tokenFile, deadline = "2m";
  auto* joinCmd = app.add_subcommand("join", "Join this machine to the cluster whose head is at URL");
  joinCmd->add_option("URL", join.headUrl, "The head, e.g. https://head:9443")->required();
  joinCmd->add_option("--token", join.token, "Join token FLOE1-… from 'floe token create'");
  joinCmd->add_option("--token-file", tokenFile, "Read the token from a file instead");
  joinCmd->add_option("--name", join.name, "Node name (default: the hostname)");
  joinCmd->add_option("--label", join.labels, "KEY=VALUE node label (repeatable)");
  joinCmd->add_option("--ignore-check", join.ignoredChecks, "Join despite this failing preflight check (repeatable)");
  joinCmd->add_option("--timeout", deadline, "How long to keep retrying an unreachable head")->capture_default_str();
  std::string k3sConfigDir = join.k3s.paths.configDir.string(), k3sDataDir = join.k3s.paths.dataDir.string();
  std::string k3sBinary;
  bool noK3s = false;
  joinCmd->add_flag("--no-k3s", noK3s, "Join without starting a k3s agent");
  joinCmd->add_option("--k3s-binary", k3sBinary, "The k3s to run (default: an installed k3s)");
  joinCmd->add_option("--k3s-config-dir", k3sConfigDir, "Where k3s's config.yaml goes")->capture_default_str();
  joinCmd->add_option("--k3s-data-dir", k3sDataDir, "k3s's data directory")->capture_default_str();
  std::string k3sService = "auto";
  joinCmd->add_option("--k3s-service", k3sService,
                      "auto (a systemd unit where systemd runs the machine), systemd, or supervised (floe-agent run "
                      "runs k3s)")
      ->capture_default_str();

  std::string inventoryRefresh = "60s";
  auto* runCmd = app.add_subcommand("run", "Send heartbeats to the head (the floe-agent service)");
  runCmd->add_option("--inventory-refresh", inventoryRefresh, "How often to re-read the hardware")
      ->capture_default_str();

  auto* statusCmd = app.add_subcommand("status", "Show this machine's membership and heartbeat state");
  bool force = false;
  auto* leaveCmd = app.add_subcommand("leave", "Deregister from the head and delete the local identity");
  leaveCmd->add_flag("--force", force, "Delete the local identity even if the head cannot be reached");
  auto* inventoryCmd = app.add_subcommand("inventory", "Show this machine's hardware inventory");
  std::vector<std::string> ignored;
  auto* checkCmd = app.add_subcommand("check", "Run the preflight checks a join runs");
  checkCmd->add_option("--ignore-check", ignored, "Treat this failing check as accepted (repeatable)");

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

  if (Status logging = initLogging(*runCmd ? logLevel : "warn"); !logging.isOk()) {
    std::cerr << "floe-agent: " << logging.message() << "\n";
    return kExitUsage;
  }
  AgentCliContext ctx{AgentStateDir(stateDir), sysroot, json, std::cout};
  Status result;
  if (*version) {
    std::cout << "floe-agent " << FLOE_VERSION << "\n";
  } else if (*joinCmd) {
    auto token = resolveToken(join.token, tokenFile);
    auto timeout = parseDuration(deadline);
    if (!token.isOk()) {
      result = token.status();
    } else if (!timeout.isOk()) {
      result = timeout.status();
    } else {
      join.token = *token;
      join.deadline = std::chrono::duration_cast<std::chrono::seconds>(*timeout);
      join.k3s.enabled = !noK3s;
      if (!k3sBinary.empty()) join.k3s.binary = k3sBinary;
      join.k3s.paths = {k3sConfigDir, k3sDataDir};
      auto mode = bootstrap::parseK3sServiceMode(k3sService);
      if (!mode.isOk()) {
        result = mode.status();
      } else {
        join.k3s.systemd = *mode;
        result = runJoinCommand(ctx, join);
      }
    }
  } else if (*runCmd) {
    auto refresh = parseDuration(inventoryRefresh);
    result = refresh.isOk() ? runAgentService(ctx, std::chrono::duration_cast<std::chrono::seconds>(*refresh))
                            : refresh.status();
  } else if (*statusCmd) {
    result = runStatusCommand(ctx);
  } else if (*leaveCmd) {
    result = runLeaveCommand(ctx, force);
  } else if (*inventoryCmd) {
    return runInventoryCommand({json, sysroot}, std::cout, std::cerr);
  } else if (*checkCmd) {
    result = runCheckCommand(ctx, ignored);
  }
  if (!result.isOk()) {
    std::cerr << "floe-agent: " << result.message() << "\n";
    return kExitFailed;
  }
  return 0;
}

}  // namespace floe::agent
