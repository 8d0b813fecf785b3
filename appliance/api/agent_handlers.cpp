// The two calls an agent makes: join (authenticated by a token) and heartbeat
// (authenticated by the client certificate join gave it).
#include <spdlog/spdlog.h>

#include <set>

#include "api/handlers.h"
#include "api/json_io.h"
#include "api/serializers.h"
#include "state/labels.h"

namespace floe::appliance::handlers {
namespace {

constexpr std::string_view kNodeUriPrefix = "urn:floe:node:";

Result<JoinApplication> joinApplicationFromJson(const nlohmann::json& body, const std::string& source) {
  JoinApplication application;
  application.sourceAddress = source;
  FLOE_ASSIGN_OR_RETURN(auto tokenText, optionalString(body, "token"));
  if (!tokenText) return invalidArgument("field 'token' is required");
  application.tokenText = std::move(*tokenText);
  FLOE_ASSIGN_OR_RETURN(auto csr, optionalString(body, "csr"));
  if (!csr) return invalidArgument("field 'csr' is required (a PEM certificate signing request)");
  application.csrPem = std::move(*csr);
  FLOE_ASSIGN_OR_RETURN(auto machineId, optionalString(body, "machine_id"));
  if (!machineId) return invalidArgument("field 'machine_id' is required");
  application.machineId = std::move(*machineId);
  FLOE_ASSIGN_OR_RETURN(application.name, optionalString(body, "name"));
  if (auto labels = body.find("labels"); labels != body.end() && !labels->is_null()) {
    FLOE_ASSIGN_OR_RETURN(application.labels, labelsFromJson(*labels));
  }
  if (auto inventory = body.find("inventory"); inventory != body.end() && !inventory->is_null()) {
    if (!inventory->is_object()) return invalidArgument("field 'inventory' must be an object");
    application.inventory = *inventory;
  }
  if (auto preflight = body.find("preflight"); preflight != body.end() && !preflight->is_null()) {
    if (!preflight->is_array()) return invalidArgument("field 'preflight' must be an array");
    application.preflight = *preflight;
  }
  return application;
}

// The node id in a verified node certificate, or empty.
std::string nodeIdFromCertificate(const http::PeerIdentity& peer) {
  if (!peer.hasVerifiedCertificate || peer.organization != "floe-node") return {};
  for (const auto& uri : peer.uris) {
    if (uri.rfind(kNodeUriPrefix, 0) == 0) return uri.substr(kNodeUriPrefix.size());
  }
  return {};
}

}  // namespace

http::Response join(ApiContext& ctx, const http::Request& request) {
  const std::string& source = request.peer.remoteAddress;
  if (int64_t wait = ctx.joinLimiter.retryAfterSeconds(source); wait > 0) {
    spdlog::warn("join refused: rate limited source={} retry_after={}s", source, wait);
    auto response = http::Response::error(429, "resource_exhausted",
                                          "too many failed join attempts from " + source +
                                              "; try again in " + std::to_string(wait) + " seconds");
    response.headers.emplace_back("Retry-After", std::to_string(wait));
    return response;
  }
  auto fail = [&](const Status& status) {
    ctx.joinLimiter.recordFailure(source);
    // The message never contains the token secret (parsers and checks do not echo it).
    spdlog::warn("join refused source={} reason=\"{}\"", source, status.message());
    return errorResponse(status);
  };

  nlohmann::json body;
  http::Response error;
  if (!parseJsonBody(request, body, error)) {
    ctx.joinLimiter.recordFailure(source);
    return error;
  }
  auto application = joinApplicationFromJson(body, source);
  if (!application.isOk()) return fail(application.status());
  auto outcome = ctx.nodes.join(*application);
  if (!outcome.isOk()) {
    if (httpStatusFor(outcome.status().code()) >= 500) {
      spdlog::error("join failed source={} error=\"{}\"", source, outcome.status().message());
      return errorResponse(outcome.status());
    }
    return fail(outcome.status());
  }
  const NodeRecord& node = outcome->node;
  return http::Response::json(
      200, {{"node_id", node.id},
            {"name", node.name},
            {"state", node.state},
            {"certificate", outcome->certificatePem},
            {"ca", ctx.info.caPem},
            // Only a node the admin let in gets the agent token: a pending node's k3s
            // agent could otherwise register before approval.
            {"k3s",
             {{"server_url", node.state == "ready" ? ctx.info.k3sServerUrl : ""},
              {"token", node.state == "ready" ? ctx.info.k3sAgentToken : ""}}},
            {"heartbeat_interval_seconds", secondsJson(ctx.info.heartbeatInterval)}});
}

namespace {

// Agent calls carry the node's own certificate, which must name the node in the URL.
std::optional<http::Response> refuseUnlessOwnNode(const http::Request& request) {
  std::string urlId = request.pathParam("id");
  if (!request.peer.hasVerifiedCertificate) {
    return http::Response::error(401, "unauthenticated",
                                 "agent calls need the node's client certificate issued at join");
  }
  std::string certId = nodeIdFromCertificate(request.peer);
  if (certId != urlId) {
    spdlog::warn("agent call refused path={} cert_cn={} cert_node={}", request.path, request.peer.commonName,
                 certId.empty() ? "-" : certId);
    return http::Response::error(403, "permission_denied",
                                 "the client certificate does not belong to node " + urlId);
  }
  return std::nullopt;
}

}  // namespace

http::Response leave(ApiContext& ctx, const http::Request& request) {
  if (auto refused = refuseUnlessOwnNode(request)) return *refused;
  std::string id = request.pathParam("id");
  Status left = ctx.nodes.leave(id, request.peer.certificateSha256);
  if (!left.isOk()) return errorResponse(left);
  return http::Response::json(200, {{"removed", id}});
}

http::Response heartbeat(ApiContext& ctx, const http::Request& request) {
  if (auto refused = refuseUnlessOwnNode(request)) return *refused;
  std::string urlId = request.pathParam("id");
  nlohmann::json body;
  http::Response error;
  if (!parseJsonBody(request, body, error)) return error;

  HeartbeatReport report;
  auto status = optionalString(body, "status");
  if (!status.isOk()) return errorResponse(status.status());
  report.status = status->value_or("ok");
  if (report.status != "ok" && report.status != "degraded") {
    return http::Response::error(400, "invalid_argument", "field 'status' must be 'ok' or 'degraded'");
  }
  auto hash = optionalString(body, "inventory_hash");
  if (!hash.isOk()) return errorResponse(hash.status());
  report.inventoryHash = hash->value_or("");
  for (auto [field, target] : {std::pair{"load", &report.load}, std::pair{"k3s", &report.k3s},
                               std::pair{"inventory", &report.inventory}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_object()) {
      return http::Response::error(400, "invalid_argument", std::string("field '") + field + "' must be an object");
    }
    *target = *it;
  }
  if (report.k3s.is_object() && report.k3s.contains("state")) {
    // "disabled": the node joined with --no-k3s and wants no k3s parameters.
    static const std::set<std::string> kK3sStates = {"disabled", "not-installed", "starting", "running", "failed"};
    const auto& state = report.k3s["state"];
    if (!state.is_string() || kK3sStates.count(state.get<std::string>()) == 0) {
      return http::Response::error(400, "invalid_argument",
                                   "field 'k3s.state' must be one of disabled, not-installed, starting, running, failed");
    }
  }
  auto outcome = ctx.nodes.heartbeat(urlId, request.peer.certificateSha256, report);
  if (!outcome.isOk()) return errorResponse(outcome.status());
  nlohmann::json reply = {{"node_id", urlId},
                          {"state", outcome->state},
                          {"heartbeat_interval_seconds", secondsJson(ctx.info.heartbeatInterval)},
                          {"send_inventory", outcome->sendInventory},
                          {"instructions", nlohmann::json::array()}};
  // A node that joined pending got no k3s parameters; once approved, it gets them here,
  // over the same mutual-TLS channel, until it reports a k3s agent set up.
  bool k3sMissing = report.k3s.is_object() && report.k3s.value("state", "") == "not-installed";
  if (outcome->state == "ready" && k3sMissing && !ctx.info.k3sServerUrl.empty()) {
    reply["k3s"] = {{"server_url", ctx.info.k3sServerUrl}, {"token", ctx.info.k3sAgentToken}};
  }
  return http::Response::json(200, reply);
}

}  // namespace floe::appliance::handlers
