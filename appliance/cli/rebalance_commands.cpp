// `floe rebalance`: start a round (or a dry run) on the head and follow it, or run one
// directly against a kubeconfig without a head (--kubeconfig); `history` and `show`.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "cluster/kube_connection.h"
#include "rebalance/rebalance_policy.h"
#include "rebalance/rebalance_round.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kPollInterval{1000};

std::string percent(const json& value) {
  if (!value.is_number()) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << value.get<double>();
  return out.str();
}

std::string field(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || object[name].is_null()) return "-";
  return object[name].is_string() ? object[name].get<std::string>() : object[name].dump();
}

// Per node: utilisation before -> after (predicted in a dry run), and the evictions.
void printReport(std::ostream& out, const json& report) {
  const json& detail = report.contains("detail") ? report["detail"] : json::object();
  bool dryRun = report.value("dry_run", false);
  out << "Rebalance " << field(report, "id") << " (" << field(report, "trigger") << "): " << field(report, "outcome");
  if (!field(report, "message").empty() && field(report, "message") != "-") out << " - " << field(report, "message");
  out << "\n";
  out << "started " << field(report, "started_at") << ", took " << field(report, "duration_ms") << " ms, "
      << field(report, "evictions") << (dryRun ? " evictions planned" : " evictions") << ", spread "
      << percent(report["spread_before"]) << " -> " << percent(report["spread_after"]) << " points"
      << (dryRun ? " (predicted)" : "") << "\n\n";
  const json& before = detail.contains("before") ? detail["before"] : json::object();
  const json& after = dryRun ? (detail.contains("predicted") ? detail["predicted"] : json::object())
                             : (detail.contains("after") ? detail["after"] : json::object());
  std::map<std::string, json> afterByNode;
  if (after.contains("nodes")) {
    for (const auto& n : after["nodes"]) afterByNode[n.value("node", "")] = n;
  }
  std::map<std::string, std::pair<int, int>> moves;  // node -> (out, in expected)
  if (detail.contains("evictions")) {
    for (const auto& e : detail["evictions"]) {
      if (e.contains("result") && e["result"] != "evicted") continue;
      ++moves[e.value("from_node", "")].first;
      ++moves[e.value("expected_node", "")].second;
    }
  }
  Table table({"NODE", "CPU% BEFORE", "CPU% AFTER", "MEM% BEFORE", "MEM% AFTER", "PODS BEFORE", "PODS AFTER", "EVICTED"});
  if (before.contains("nodes")) {
    for (const auto& n : before["nodes"]) {
      std::string name = n.value("node", "");
      const json& a = afterByNode.count(name) ? afterByNode[name] : json::object();
      table.addRow({name, percent(n["cpu_percent"]), percent(a.value("cpu_percent", json())), percent(n["memory_percent"]),
                    percent(a.value("memory_percent", json())), field(n, "pods"), field(a, "pods"),
                    std::to_string(moves[name].first)});
    }
  }
  table.print(out);
  if (detail.contains("left_out")) {
    for (const auto& n : detail["left_out"]) {
      out << "Not balanced: " << n.value("node", "") << " (" << n.value("reason", "") << ")\n";
    }
  }
  if (detail.contains("spark")) out << "\nSpark executors the cluster holds: " << field(detail["spark"], "max_executors") << "\n";
  if (detail.contains("skipped_total") && detail["skipped_total"].get<int>() > 0) {
    out << "Pods on nodes above the mean that stayed: " << detail["skipped_total"] << " (why: floe rebalance show "
        << field(report, "id") << " --json)\n";
  }
}

Result<json> waitForRound(AdminClient& client, int64_t id, std::ostream& progress) {
  while (true) {
    FLOE_ASSIGN_OR_RETURN(json report, client.call("GET", "/api/v1/rebalance/reports/" + std::to_string(id)));
    if (report.value("outcome", "") != "running") return report;
    progress << "." << std::flush;
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status runLocally(const CliContext& ctx, const RebalanceFlags& flags) {
  std::filesystem::path config = flags.config.empty() ? ctx.dataDir.configFile() : std::filesystem::path(flags.config);
  if (!flags.config.empty() && !std::filesystem::exists(config)) {
    return invalidArgument("--config " + flags.config + ": no such file");
  }
  FLOE_ASSIGN_OR_RETURN(auto policy, rebalance::loadRebalancePolicy(config));
  auto client = connectToKube(flags.kubeconfig);
  if (!client.isOk()) return client.status().withContext("connecting with --kubeconfig " + flags.kubeconfig);
  SystemClock clock;
  rebalance::RebalanceRound round(*client, policy, clock);
  rebalance::RoundReport report;
  report.startedAtMillis = clock.nowUnixMillis();
  report = round.run(rebalance::RoundRequest{"cli", flags.dryRun}, report);
  if (ctx.json) {
    ctx.out << report.toJson().dump(2) << "\n";
  } else {
    printReport(ctx.out, report.toJson());
  }
  if (report.outcome == "failed") return failedPrecondition("the rebalance round failed: " + report.message);
  return Status::ok();
}

}  // namespace

Status runRebalance(const CliContext& ctx, const RebalanceFlags& flags) {
  if (!flags.kubeconfig.empty()) return runLocally(ctx, flags);
  if (!flags.config.empty()) return invalidArgument("--config needs --kubeconfig: the head reads its own floe.yaml");
  FLOE_ASSIGN_OR_RETURN(AdminClient client, AdminClient::connect(ctx.dataDir, ctx.server));
  FLOE_ASSIGN_OR_RETURN(json answer, client.call("POST", "/api/v1/rebalance", {{"dry_run", flags.dryRun}}));
  if (!flags.dryRun) {
    int64_t id = answer.value("id", int64_t{0});
    if (flags.noWait) {
      if (ctx.json) ctx.out << answer.dump(2) << "\n";
      else ctx.out << "Rebalance " << id << " started; follow it with: floe rebalance show " << id << "\n";
      return Status::ok();
    }
    if (!ctx.json) ctx.out << "Rebalance " << id << " running" << std::flush;
    FLOE_ASSIGN_OR_RETURN(answer, waitForRound(client, id, ctx.json ? std::cerr : ctx.out));
    if (!ctx.json) ctx.out << "\n";
  }
  if (ctx.json) {
    ctx.out << answer.dump(2) << "\n";
  } else {
    printReport(ctx.out, answer);
  }
  if (answer.value("outcome", "") == "failed") return failedPrecondition("the rebalance round failed: " + field(answer, "message"));
  return Status::ok();
}

Status runRebalanceHistory(const CliContext& ctx, int limit) {
  FLOE_ASSIGN_OR_RETURN(AdminClient client, AdminClient::connect(ctx.dataDir, ctx.server));
  FLOE_ASSIGN_OR_RETURN(json answer, client.call("GET", "/api/v1/rebalance/reports?limit=" + std::to_string(limit)));
  if (ctx.json) {
    ctx.out << answer.dump(2) << "\n";
    return Status::ok();
  }
  Table table({"ID", "STARTED", "TRIGGER", "OUTCOME", "SPREAD BEFORE", "SPREAD AFTER", "EVICTIONS", "DURATION"});
  for (const auto& r : answer["reports"]) {
    std::string duration = r["duration_ms"].is_number() ? percent(json(r["duration_ms"].get<double>() / 1000.0)) + "s" : "-";
    table.addRow({field(r, "id"), field(r, "started_at"), field(r, "trigger") + (r.value("dry_run", false) ? " (dry run)" : ""),
                  field(r, "outcome"), percent(r["spread_before"]), percent(r["spread_after"]), field(r, "evictions"),
                  duration});
  }
  table.print(ctx.out);
  if (answer["reports"].empty()) ctx.out << "No rebalance rounds yet.\n";
  else ctx.out << "Per-node utilisation before and after: floe rebalance show ID\n";
  return Status::ok();
}

Status runRebalanceShow(const CliContext& ctx, const std::string& id) {
  FLOE_ASSIGN_OR_RETURN(AdminClient client, AdminClient::connect(ctx.dataDir, ctx.server));
  FLOE_ASSIGN_OR_RETURN(json answer, client.call("GET", "/api/v1/rebalance/reports/" + id));
  if (ctx.json) {
    ctx.out << answer.dump(2) << "\n";
  } else {
    printReport(ctx.out, answer);
  }
  return Status::ok();
}

}  // namespace floe::appliance
