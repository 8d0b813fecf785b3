#include <chrono>

#include "agent/cli/host_facts.h"
#include "bootstrap/k3s_installation.h"
#include "bootstrap/systemd_unit.h"
#include "cli/commands.h"
#include "floe/common/files.h"
#include "floe/http/http_client.h"
#include "console/console_accounts.h"
#include "head/head_init.h"
#include "state/store.h"

namespace floe::appliance {
namespace {

Result<K3sServerOptions> k3sOptionsFrom(const K3sInitFlags& flags, const std::string& sysroot) {
  K3sServerOptions options;
  FLOE_ASSIGN_OR_RETURN(options.systemd, bootstrap::parseK3sServiceMode(flags.serviceMode));
  options.enabled = !flags.disabled;
  if (!flags.bundle.empty()) options.bundleDir = flags.bundle;
  if (!flags.binary.empty()) options.binary = flags.binary;
  options.installDir = flags.installDir;
  options.paths = {flags.configDir, flags.dataDir};
  options.apiPort = flags.apiPort;
  options.clusterCidr = flags.clusterCidr;
  options.serviceCidr = flags.serviceCidr;
  if (!flags.nodeName.empty()) options.nodeName = flags.nodeName;
  if (options.enabled) options.headInventory = agent::hostInventoryJson(agent::collectHostInventory(sysroot));
  return options;
}

// A running head supervises k3s and holds the database: reset must not pull them away.
bool headIsServing(const DataDir& dir) {
  auto url = readFile(dir.serveUrlFile());
  if (!url.isOk()) return false;
  std::string base = *url;
  while (!base.empty() && (base.back() == '\n' || base.back() == '/')) base.pop_back();
  http::ClientTlsOptions tls;
  tls.insecureSkipVerify = true;  // only asks whether something answers; nothing is sent
  auto client = http::makeCurlHttpClient(tls);
  http::ClientRequest request;
  request.url = base + "/healthz";
  request.timeout = std::chrono::seconds(3);
  return client->send(request).isOk();
}

}  // namespace

Status runInit(const CliContext& ctx, const std::vector<std::string>& advertise, const K3sInitFlags& k3s,
               const std::string& sysroot) {
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(auto k3sOptions, k3sOptionsFrom(k3s, sysroot));
  InitOptions options{ctx.dataDir.root, advertise, std::move(k3sOptions), ctx.json ? &std::cerr : &ctx.out};
  FLOE_ASSIGN_OR_RETURN(InitReport report, initHead(options, clock));
  if (ctx.json) {
    nlohmann::json out{{"data_dir", ctx.dataDir.root.string()},
                       {"created", report.created},
                       {"already_initialised", report.alreadyInitialised()},
                       {"advertised", report.advertised},
                       {"ca_sha256", report.caSha256}};
    if (report.consoleAdminPassword) {
      out["console_user"] = console::kAdminUser;
      out["console_password"] = *report.consoleAdminPassword;
    }
    ctx.out << out.dump(2) << "\n";
    return Status::ok();
  }
  if (report.alreadyInitialised()) {
    ctx.out << "floe: " << ctx.dataDir.root.string() << " is already initialised; nothing changed.\n";
    if (!advertise.empty() && advertise != report.advertised) {
      ctx.out << "note: advertised names are fixed at init (kept: ";
      for (size_t i = 0; i < report.advertised.size(); ++i) ctx.out << (i ? ", " : "") << report.advertised[i];
      ctx.out << ").\n";
    }
    return Status::ok();
  }
  ctx.out << "Initialised floe head in " << ctx.dataDir.root.string() << ":\n";
  for (const auto& item : report.created) ctx.out << "  created " << item << "\n";
  ctx.out << "Workers will reach this head as: ";
  for (size_t i = 0; i < report.advertised.size(); ++i) ctx.out << (i ? ", " : "") << report.advertised[i];
  ctx.out << "\nCluster CA SHA-256: " << report.caSha256 << "\n"
          << "Next: floe serve --data-dir " << ctx.dataDir.root.string()
          << "   then: floe token create --data-dir " << ctx.dataDir.root.string() << "\n";
  if (report.consoleAdminPassword) {
    ctx.out << "\nWeb console (https://<this head>:9443/ once 'floe serve' runs): user '" << console::kAdminUser
            << "', password\n\n  " << *report.consoleAdminPassword
            << "\n\nIt is shown only this once; change it in the console. Lost it? 'floe admin reset-password'.\n";
  }
  return Status::ok();
}

Status runAdminResetPassword(const CliContext& ctx, const std::string& user) {
  if (!std::filesystem::exists(ctx.dataDir.database())) {
    return failedPrecondition("resetting the console password: " + ctx.dataDir.database().string() +
                              " does not exist; run 'floe init' first");
  }
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(auto store, Store::open(ctx.dataDir.database()));
  console::ConsoleAccounts accounts(*store, clock);
  FLOE_ASSIGN_OR_RETURN(std::string password, accounts.resetToRandomPassword(user));
  if (ctx.json) {
    ctx.out << nlohmann::json{{"console_user", user}, {"console_password", password}}.dump(2) << "\n";
    return Status::ok();
  }
  ctx.out << "New password for console account '" << user << "' (shown only this once; its sessions were ended):\n\n  "
          << password << "\n";
  return Status::ok();
}

Status runServe(const ServeOptions& options) { return serveHead(options); }

Status runReset(const CliContext& ctx, bool confirmed) {
  const DataDir& dir = ctx.dataDir;
  std::error_code ec;
  if (!std::filesystem::exists(dir.root, ec)) {
    ctx.out << "floe: " << dir.root.string() << " does not exist; nothing to reset.\n";
    return Status::ok();
  }
  if (!confirmed) {
    return failedPrecondition("'floe reset' deletes the cluster CA, every node record and the k3s server's data in " +
                              dir.root.string() + "; workers must join again afterwards. Run 'floe reset --yes' "
                              "to do it");
  }
  if (headIsServing(dir)) {
    return failedPrecondition("floe serve is running for " + dir.root.string() +
                              "; stop it first (systemctl stop floe, or Ctrl-C) and run the reset again");
  }
  FLOE_ASSIGN_OR_RETURN(auto k3s, bootstrap::loadInstallation(dir.k3sInstallation()));
  if (k3s) {
    auto runner = bootstrap::makeCommandRunner();
    FLOE_RETURN_IF_ERROR(bootstrap::removeInstallation(*k3s, *runner).withContext("removing k3s"));
    // Name everything removeInstallation deleted, so nothing vanishes unannounced.
    std::vector<std::string> removed{k3s->paths.configFile().string(), k3s->paths.kubeconfig().string(),
                                     k3s->paths.dataDir.string()};
    if (k3s->binaryFromBundle) removed.push_back(k3s->binary.string() + " (installed from the bundle)");
    if (k3s->systemd) removed.push_back(bootstrap::k3sUnitName(k3s->role));
    ctx.out << "Removed the k3s server: ";
    for (std::size_t i = 0; i < removed.size(); ++i) {
      ctx.out << (i == 0 ? "" : i + 1 == removed.size() ? " and " : ", ") << removed[i];
    }
    ctx.out << ".\n";
  }
  std::filesystem::remove_all(dir.root, ec);
  if (ec) return ioError("removing " + dir.root.string() + ": " + ec.message());
  ctx.out << "Removed " << dir.root.string() << ". Run 'floe init' to start a new cluster.\n";
  return Status::ok();
}

}  // namespace floe::appliance
