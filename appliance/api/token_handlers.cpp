#include "api/agent_download_text.h"
#include "api/handlers.h"
#include "api/json_io.h"
#include "api/serializers.h"
#include "state/labels.h"

namespace floe::appliance::handlers {
namespace {

constexpr const char* kAdminActor = "admin";

Result<TokenSpec> tokenSpecFromJson(const nlohmann::json& body) {
  TokenSpec spec;
  FLOE_ASSIGN_OR_RETURN(auto ttl, optionalInteger(body, "ttl_seconds"));
  if (ttl) spec.ttl = std::chrono::seconds(*ttl);
  FLOE_ASSIGN_OR_RETURN(spec.maxUses, optionalInteger(body, "max_uses"));
  FLOE_ASSIGN_OR_RETURN(auto pending, optionalBool(body, "pending"));
  spec.pending = pending.value_or(false);
  FLOE_ASSIGN_OR_RETURN(auto description, optionalString(body, "description"));
  spec.description = description.value_or("");
  if (auto labels = body.find("labels"); labels != body.end() && !labels->is_null()) {
    FLOE_ASSIGN_OR_RETURN(spec.labels, labelsFromJson(*labels));
  }
  return spec;
}

}  // namespace

http::Response listTokens(ApiContext& ctx, const http::Request&) {
  auto tokens = ctx.tokens.list();
  if (!tokens.isOk()) return errorResponse(tokens.status());
  int64_t now = ctx.clock.nowUnixMillis();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& token : *tokens) out.push_back(tokenToJson(token, now));
  return http::Response::json(200, {{"tokens", out}});
}

http::Response createToken(ApiContext& ctx, const http::Request& request) {
  nlohmann::json body;
  http::Response error;
  // An empty body means "all defaults".
  if (request.body.empty()) {
    body = nlohmann::json::object();
  } else if (!parseJsonBody(request, body, error)) {
    return error;
  }
  auto spec = tokenSpecFromJson(body);
  if (!spec.isOk()) return errorResponse(spec.status());
  auto created = ctx.tokens.create(*spec, kAdminActor);
  if (!created.isOk()) return errorResponse(created.status());
  std::string secret = created->token.format();
  nlohmann::json agentPackages = nlohmann::json::array();
  if (ctx.downloads) {
    auto listed = ctx.downloads->list();
    if (listed.isOk()) {
      for (const auto& file : *listed) agentPackages.push_back(downloadToJson(file, ctx.info.serverUrl));
    }
  }
  return http::Response::json(
      201, {{"token", tokenToJson(created->record, ctx.clock.nowUnixMillis())},
            {"secret", secret},
            {"join_command", "sudo floe-agent join " + ctx.info.serverUrl + " --token " + secret},
            {"ca_sha256", ctx.info.caSha256},
            {"agent_packages", agentPackages},
            {"agent_download_instructions", agentDownloadInstructions(agentPackages, ctx.info.caSha256)}});
}

http::Response revokeToken(ApiContext& ctx, const http::Request& request) {
  auto revoked = ctx.tokens.revoke(request.pathParam("id"), kAdminActor);
  if (!revoked.isOk()) return errorResponse(revoked.status());
  return http::Response::json(200, {{"token", tokenToJson(*revoked, ctx.clock.nowUnixMillis())}});
}

}  // namespace floe::appliance::handlers
