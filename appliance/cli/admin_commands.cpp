// Admin commands: each is one API call and a human (or --json) rendering of its answer.
#include <nlohmann/json.hpp>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "floe/common/time_format.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

std::string text(const json& value, const char* field, const char* fallback = "-") {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string labelsText(const json& labels) {
  std::string out;
  if (!labels.is_object()) return "-";
  for (const auto& [key, value] : labels.items()) {
    out += (out.empty() ? "" : ",") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out.empty() ? "-" : out;
}

// Calls the API and prints the raw JSON when --json was given; otherwise hands it back.
Result<json> callAndMaybePrint(const CliContext& ctx, const std::string& method, const std::string& path,
                               const json& body, bool& printed) {
  FLOE_ASSIGN_OR_RETURN(AdminClient client, AdminClient::connect(ctx.dataDir, ctx.server));
  FLOE_ASSIGN_OR_RETURN(json answer, client.call(method, path, body));
  printed = ctx.json;
  if (ctx.json) ctx.out << answer.dump(2) << "\n";
  return answer;
}

Status parseLabelFlags(const std::vector<std::string>& flags, json& labels) {
  labels = json::object();
  for (const auto& flag : flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument("--label '" + flag + "' must be KEY=VALUE");
    }
    labels[flag.substr(0, eq)] = flag.substr(eq + 1);
  }
  return Status::ok();
}

}  // namespace


Status runTokenCreate(const CliContext& ctx, const TokenCreateFlags& flags) {
  FLOE_ASSIGN_OR_RETURN(auto ttl, parseDuration(flags.ttl));
  json body{{"ttl_seconds", std::chrono::duration_cast<std::chrono::seconds>(ttl).count()},
            {"pending", flags.pending}};
  if (flags.uses) body["max_uses"] = *flags.uses;
  if (!flags.description.empty()) body["description"] = flags.description;
  json labels;
  FLOE_RETURN_IF_ERROR(parseLabelFlags(flags.labels, labels));
  body["labels"] = labels;
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "POST", "/api/v1/tokens", body, printed));
  if (printed) return Status::ok();
  const json& token = answer["token"];
  ctx.out << "Token " << text(token, "id") << " created: expires " << text(token, "expires_at")
          << ", uses " << (token["max_uses"].is_null() ? std::string("unlimited") : token["max_uses"].dump())
          << ", " << (token.value("pending", false) ? "nodes wait for approval" : "nodes are approved automatically")
          << ", labels " << labelsText(token["labels"]) << ".\n"
          << "Run this on each worker (the token is shown only this once):\n\n"
          << "  " << text(answer, "join_command") << "\n\n";
  // The same text the console shows (api/agent_download_text.h); older heads lack it.
  ctx.out << text(answer, "agent_download_instructions", "") << "\n";
  return Status::ok();
}

Status runTokenList(const CliContext& ctx) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "GET", "/api/v1/tokens", nullptr, printed));
  if (printed) return Status::ok();
  Table table({"ID", "STATE", "USES", "EXPIRES", "APPROVAL", "LABELS", "DESCRIPTION"});
  for (const auto& token : answer["tokens"]) {
    std::string uses = std::to_string(token.value("uses", 0)) + "/" +
                       (token["max_uses"].is_null() ? std::string("unlimited") : token["max_uses"].dump());
    table.addRow({text(token, "id"), text(token, "state"), uses, text(token, "expires_at"),
                  token.value("pending", false) ? "manual" : "auto", labelsText(token["labels"]),
                  text(token, "description", "")});
  }
  table.print(ctx.out);
  return Status::ok();
}

Status runTokenRevoke(const CliContext& ctx, const std::string& id) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "DELETE", "/api/v1/tokens/" + id, nullptr, printed));
  if (!printed) ctx.out << "Token " << id << " revoked: it can no longer be used to join.\n";
  return Status::ok();
}

namespace {

// The Node's readiness as `kubectl get nodes` words it; "-" on a head without k3s.
std::string kubernetesText(const json& node) {
  const json& kube = node.contains("kubernetes") ? node["kubernetes"] : json();
  if (!kube.is_object()) return "-";
  if (kube["ready"].is_null()) return "unknown";
  if (!kube.value("registered", false)) return "not registered";
  std::string ready = kube.value("ready", "");
  return ready == "True" ? "Ready" : ready == "Unknown" ? "Unknown" : "NotReady";
}

}  // namespace

Status runNodesList(const CliContext& ctx) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "GET", "/api/v1/nodes", nullptr, printed));
  if (printed) return Status::ok();
  if (answer["nodes"].empty()) {
    ctx.out << "No nodes yet. Create a join token with 'floe token create' and run the printed command on a worker.\n";
    return Status::ok();
  }
  Table table({"ID", "NAME", "STATE", "KUBERNETES", "ADDRESS", "LAST SEEN", "LABELS"});
  for (const auto& node : answer["nodes"]) {
    table.addRow({text(node, "id"), text(node, "name"), text(node, "state"), kubernetesText(node),
                  text(node, "address"), text(node, "last_seen_at"), labelsText(node["labels"])});
  }
  table.print(ctx.out);
  return Status::ok();
}

Status runNodesShow(const CliContext& ctx, const std::string& id) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json node, callAndMaybePrint(ctx, "GET", "/api/v1/nodes/" + id, nullptr, printed));
  if (printed) return Status::ok();
  for (const char* field : {"id", "name", "state", "status", "machine_id", "address", "joined_at", "last_seen_at",
                            "token_id", "cert_expires_at"}) {
    ctx.out << field << ": " << text(node, field) << "\n";
  }
  ctx.out << "labels: " << labelsText(node["labels"]) << "\n";
  ctx.out << "inventory: " << (node["inventory"].is_null() ? std::string("not reported") : node["inventory"].dump(2))
          << "\n";
  ctx.out << "preflight: " << node["preflight"].dump(2) << "\n";
  return Status::ok();
}

Status runNodesApprove(const CliContext& ctx, const std::string& id) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json node,
                        callAndMaybePrint(ctx, "POST", "/api/v1/nodes/" + id + "/approve", json::object(), printed));
  if (!printed) ctx.out << "Node " << id << " (" << text(node, "name") << ") approved; it is now " << text(node, "state") << ".\n";
  return Status::ok();
}

Status runNodesRemove(const CliContext& ctx, const std::string& id) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "DELETE", "/api/v1/nodes/" + id, nullptr, printed));
  if (!printed) ctx.out << "Node " << id << " removed; its certificate no longer works.\n";
  return Status::ok();
}

Status runEvents(const CliContext& ctx, const EventsFlags& flags) {
  if (flags.limit < 1 || flags.limit > 1000) return invalidArgument("--limit must be from 1 to 1000");
  std::string path = "/api/v1/events?limit=" + std::to_string(flags.limit);
  if (!flags.node.empty()) path += "&node=" + flags.node;
  if (!flags.kind.empty()) path += "&kind=" + flags.kind;
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json answer, callAndMaybePrint(ctx, "GET", path, nullptr, printed));
  if (printed) return Status::ok();
  Table table({"TIME", "KIND", "NODE", "TOKEN", "ACTOR", "MESSAGE"});
  for (const auto& event : answer["events"]) {
    table.addRow({text(event, "at"), text(event, "kind"), text(event, "node_id"), text(event, "token_id"),
                  text(event, "actor"), text(event, "message")});
  }
  table.print(ctx.out);
  return Status::ok();
}

namespace {

// The lakehouse stack's components, one line each, in apply order.
void printStack(const CliContext& ctx, const json& stack) {
  ctx.out << "stack:      deployer " << text(stack, "deployer") << "\n";
  if (!stack.contains("components") || stack["components"].empty()) return;
  Table table({"COMPONENT", "STATE", "VERSION", "ENDPOINT", "DETAIL"});
  for (const auto& c : stack["components"]) {
    table.addRow({text(c, "name"), text(c, "state"), text(c, "version"), text(c, "endpoint"), text(c, "message")});
  }
  table.print(ctx.out);
}

}  // namespace

Status runStatus(const CliContext& ctx) {
  bool printed = false;
  FLOE_ASSIGN_OR_RETURN(json s, callAndMaybePrint(ctx, "GET", "/api/v1/status", nullptr, printed));
  if (printed) return Status::ok();
  const json& nodes = s["nodes"];
  ctx.out << "floe head " << text(s, "version") << ", up " << text(s, "uptime_seconds") << "s\n"
          << "url:        " << text(s, "server_url") << "\n"
          << "ca sha256:  " << text(s, "ca_sha256") << "\n"
          << "nodes:      " << nodes.value("total", 0) << " (" << nodes.value("ready", 0) << " ready, "
          << nodes.value("pending", 0) << " pending, " << nodes.value("lost", 0) << " lost)\n"
          << "tokens:     " << s["tokens"].value("active", 0) << " active\n";
  const json& kube = s.contains("kubernetes") && s["kubernetes"].is_object() ? s["kubernetes"] : json::object();
  std::string state = text(kube, "state");
  if (state == "disabled") {
    ctx.out << "kubernetes: disabled (initialised with --no-k3s)\n";
    return Status::ok();
  }
  ctx.out << "kubernetes: k3s server " << state << " (" << text(kube, "mode") << ", restarts "
          << kube.value("restarts", 0) << "), API " << text(kube, "api_url") << "\n"
          << "kubeconfig: " << text(kube, "kubeconfig") << "\n";
  if (!text(kube, "detail").empty()) ctx.out << "            " << text(kube, "detail") << "\n";
  printStack(ctx, s.contains("stack") && s["stack"].is_object() ? s["stack"] : json::object());
  return Status::ok();
}

}  // namespace floe::appliance
