// What each `floe` subcommand does once its flags are parsed. Flags never reach
// deeper than this layer: each command builds the options struct of the module it calls.
#pragma once

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/k3s_paths.h"
#include "floe/common/status.h"
#include "head/data_dir.h"
#include "head/head_server.h"
#include "lakehouse/spark_defaults.h"

namespace floe::appliance {

struct CliContext {
  DataDir dataDir{kDefaultDataDir};
  std::string server;
  bool json = false;
  std::ostream& out = std::cout;
};

struct TokenCreateFlags {
  std::string ttl = "24h";
  std::optional<int64_t> uses;
  std::vector<std::string> labels;  // k=v
  bool pending = false;
  std::string description;
};

struct EventsFlags {
  int limit = 50;
  std::string node;
  std::string kind;
};

struct RenderFlags {
  std::string outDir;       // "": print to stdout
  std::string sysroot = "/";  // where the head's own hardware is read, as `floe serve` does
};

struct K3sInitFlags {
  bool disabled = false;
  std::string bundle;
  std::string binary;
  std::string installDir = "/usr/local/bin";
  std::string configDir = bootstrap::kDefaultK3sConfigDir;
  std::string dataDir = bootstrap::kDefaultK3sDataDir;
  int apiPort = bootstrap::kDefaultK3sApiPort;
  std::string clusterCidr = "10.42.0.0/16";
  std::string serviceCidr = "10.43.0.0/16";
  std::string nodeName;
  std::string serviceMode = "auto";
};

struct SparkDefaultsFlags {
  lakehouse::LakehouseEndpoints endpoints;
  std::string format = "conf";  // conf | submit (--json: a JSON object)
};

struct RebalanceFlags {
  bool dryRun = false;
  bool noWait = false;
  std::string kubeconfig;  // run here against this cluster instead of asking the head
  std::string config;      // with --kubeconfig: the floe.yaml to take the policy from
};

Status runInit(const CliContext& ctx, const std::vector<std::string>& advertise, const K3sInitFlags& k3s,
               const std::string& sysroot);
Status runReset(const CliContext& ctx, bool confirmed);
Status runServe(const ServeOptions& options);
// `floe admin reset-password`: works on the database directly, so it needs no login.
Status runAdminResetPassword(const CliContext& ctx, const std::string& user);

Status runTokenCreate(const CliContext& ctx, const TokenCreateFlags& flags);
Status runTokenList(const CliContext& ctx);
Status runTokenRevoke(const CliContext& ctx, const std::string& id);

Status runNodesList(const CliContext& ctx);
Status runNodesShow(const CliContext& ctx, const std::string& id);
Status runNodesApprove(const CliContext& ctx, const std::string& id);
Status runNodesRemove(const CliContext& ctx, const std::string& id);

Status runEvents(const CliContext& ctx, const EventsFlags& flags);
Status runStatus(const CliContext& ctx);
Status runRender(const CliContext& ctx, const RenderFlags& flags);

Status runSparkDefaults(const CliContext& ctx, const SparkDefaultsFlags& flags);

Status runRebalance(const CliContext& ctx, const RebalanceFlags& flags);
Status runRebalanceHistory(const CliContext& ctx, int limit);
Status runRebalanceShow(const CliContext& ctx, const std::string& id);

}  // namespace floe::appliance
