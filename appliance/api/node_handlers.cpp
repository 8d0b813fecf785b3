#include "api/handlers.h"
#include "api/hardware_summary.h"
#include "api/json_io.h"
#include "api/serializers.h"

namespace floe::appliance::handlers {
namespace {
constexpr const char* kAdminActor = "admin";
}

http::Response listNodes(ApiContext& ctx, const http::Request& request) {
  // ?hardware=1 (the console): each node's hardware summary and last load figures too.
  bool withHardware = request.query.count("hardware") && request.query.at("hardware") != "0";
  auto nodes = ctx.nodes.list(withHardware);
  if (!nodes.isOk()) return errorResponse(nodes.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& node : *nodes) {
    out.push_back(nodeSummaryToJson(node));
    out.back()["kubernetes"] = ctx.cluster ? ctx.cluster->nodeStatus(node.name) : nlohmann::json();
    if (withHardware) {
      out.back()["hardware"] = hardwareSummary(node.inventory);
      out.back()["load"] = node.load;
    }
  }
  return http::Response::json(200, {{"nodes", out}});
}

http::Response getNode(ApiContext& ctx, const http::Request& request) {
  auto node = ctx.nodes.get(request.pathParam("id"));
  if (!node.isOk()) return errorResponse(node.status());
  nlohmann::json out = nodeDetailToJson(*node);
  out["kubernetes"] = ctx.cluster ? ctx.cluster->nodeStatus(node->name) : nlohmann::json();
  return http::Response::json(200, out);
}

http::Response approveNode(ApiContext& ctx, const http::Request& request) {
  auto node = ctx.nodes.approve(request.pathParam("id"), kAdminActor);
  if (!node.isOk()) return errorResponse(node.status());
  return http::Response::json(200, nodeSummaryToJson(*node));
}

http::Response removeNode(ApiContext& ctx, const http::Request& request) {
  std::string id = request.pathParam("id");
  Status removed = ctx.nodes.remove(id, kAdminActor);
  if (!removed.isOk()) return errorResponse(removed);
  return http::Response::json(200, {{"removed", id}});
}

http::Response listEvents(ApiContext& ctx, const http::Request& request) {
  EventFilter filter;
  if (auto limit = request.query.find("limit"); limit != request.query.end()) {
    char* end = nullptr;
    long value = std::strtol(limit->second.c_str(), &end, 10);
    if (limit->second.empty() || *end != '\0' || value < 1 || value > 1000) {
      return http::Response::error(400, "invalid_argument", "limit must be a number from 1 to 1000");
    }
    filter.limit = static_cast<int>(value);
  }
  if (auto node = request.query.find("node"); node != request.query.end()) filter.nodeId = node->second;
  if (auto kind = request.query.find("kind"); kind != request.query.end()) filter.kind = kind->second;
  auto events = appliance::listEvents(ctx.store, filter);
  if (!events.isOk()) return errorResponse(events.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& event : *events) out.push_back(eventToJson(event));
  return http::Response::json(200, {{"events", out}});
}

}  // namespace floe::appliance::handlers
