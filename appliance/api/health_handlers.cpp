#include <spdlog/spdlog.h>

#include "api/handlers.h"
#include "api/json_io.h"
#include "api/serializers.h"
#include "api/stack_json.h"
#include "floe/common/time_format.h"

namespace floe::appliance::handlers {

http::Response healthz(ApiContext&, const http::Request&) {
  return http::Response::json(200, {{"status", "ok"}});
}

http::Response readyz(ApiContext& ctx, const http::Request&) {
  Status writable = ctx.store.probeWritable();
  if (!writable.isOk()) {
    spdlog::warn("readiness check failed error=\"{}\"", writable.message());
    return http::Response::error(503, "unavailable", "the state database is not writable");
  }
  return http::Response::json(200, {{"status", "ready"}});
}

http::Response metrics(ApiContext& ctx, const http::Request&) {
  std::string out = ctx.metrics.renderRequests();
  auto nodeCounts = ctx.nodes.counts();
  if (nodeCounts.isOk()) {
    out += "# HELP floe_nodes Registered nodes by state.\n# TYPE floe_nodes gauge\n";
    out += "floe_nodes{state=\"ready\"} " + std::to_string(nodeCounts->ready) + "\n";
    out += "floe_nodes{state=\"pending\"} " + std::to_string(nodeCounts->pending) + "\n";
    out += "floe_nodes{state=\"lost\"} " + std::to_string(nodeCounts->lost) + "\n";
  }
  auto tokens = ctx.tokens.list();
  if (tokens.isOk()) {
    std::map<std::string, int> byState{{"active", 0}, {"expired", 0}, {"revoked", 0}, {"used_up", 0}};
    int64_t now = ctx.clock.nowUnixMillis();
    for (const auto& token : *tokens) ++byState[token.stateAt(now)];
    out += "# HELP floe_tokens Join tokens by state.\n# TYPE floe_tokens gauge\n";
    for (const auto& [state, n] : byState) {
      out += "floe_tokens{state=\"" + state + "\"} " + std::to_string(n) + "\n";
    }
  }
  return http::Response::text(200, std::move(out), "text/plain; version=0.0.4");
}

http::Response cacerts(ApiContext& ctx, const http::Request&) {
  return http::Response::text(200, ctx.info.caPem, "application/x-pem-file");
}

http::Response status(ApiContext& ctx, const http::Request&) {
  auto nodeCounts = ctx.nodes.counts();
  if (!nodeCounts.isOk()) return errorResponse(nodeCounts.status());
  auto tokens = ctx.tokens.list();
  if (!tokens.isOk()) return errorResponse(tokens.status());
  int64_t now = ctx.clock.nowUnixMillis();
  int activeTokens = 0;
  for (const auto& token : *tokens) activeTokens += token.stateAt(now) == "active" ? 1 : 0;
  const NodeCounts& n = *nodeCounts;
  Status stackError = Status::ok();
  auto stackBody = stackJson(ctx, stackError);
  if (!stackError.isOk()) return errorResponse(stackError);
  return http::Response::json(
      200, {{"version", ctx.info.version},
            {"started_at", formatRfc3339(ctx.info.startedAtMillis / 1000)},
            {"uptime_seconds", (now - ctx.info.startedAtMillis) / 1000},
            {"server_url", ctx.info.serverUrl},
            {"ca_sha256", ctx.info.caSha256},
            {"heartbeat_interval_seconds", secondsJson(ctx.info.heartbeatInterval)},
            {"nodes", {{"ready", n.ready}, {"pending", n.pending}, {"lost", n.lost},
                       {"total", n.ready + n.pending + n.lost}}},
            {"tokens", {{"active", activeTokens}}},
            {"kubernetes", ctx.cluster ? ctx.cluster->serverStatus() : nlohmann::json{{"state", "disabled"}}},
            {"stack", stackBody}});
}

}  // namespace floe::appliance::handlers
