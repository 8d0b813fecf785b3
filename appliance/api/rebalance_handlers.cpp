// Rebalancing: the policy and state, starting a round (or a dry run), and the reports.
#include <cstdlib>

#include "api/handlers.h"
#include "api/json_io.h"

namespace floe::appliance::handlers {
namespace {

http::Response noRebalancer() {
  return http::Response::error(409, "failed_precondition",
                               "this head runs without Kubernetes (floe init --no-k3s): there is nothing to rebalance");
}

// A whole number from min to max, or an error naming the parameter.
Result<int64_t> boundedNumber(const std::string& text, const char* name, int64_t min, int64_t max) {
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) {
    return invalidArgument(std::string(name) + " must be a number from " + std::to_string(min) + " to " +
                           std::to_string(max));
  }
  return static_cast<int64_t>(value);
}

}  // namespace

http::Response rebalanceStatus(ApiContext& ctx, const http::Request&) {
  if (!ctx.rebalancer) return noRebalancer();
  return http::Response::json(200, ctx.rebalancer->status());
}

http::Response startRebalance(ApiContext& ctx, const http::Request& request) {
  if (!ctx.rebalancer) return noRebalancer();
  nlohmann::json body = nlohmann::json::object();
  if (!request.body.empty()) {
    http::Response error;
    if (!parseJsonBody(request, body, error)) return error;
  }
  auto dryRun = optionalBool(body, "dry_run");
  if (!dryRun.isOk()) return errorResponse(dryRun.status());
  if (dryRun->value_or(false)) {
    auto report = ctx.rebalancer->dryRun("api");
    if (!report.isOk()) return errorResponse(report.status());
    return http::Response::json(200, report->toJson());
  }
  auto id = ctx.rebalancer->requestRound("api");
  if (!id.isOk()) return errorResponse(id.status());
  return http::Response::json(202, {{"id", *id}, {"outcome", "running"}});
}

http::Response listRebalanceReports(ApiContext& ctx, const http::Request& request) {
  if (!ctx.rebalancer) return noRebalancer();
  int64_t limit = 20;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    auto parsed = boundedNumber(it->second, "limit", 1, 1000);
    if (!parsed.isOk()) return errorResponse(parsed.status());
    limit = *parsed;
  }
  auto reports = ctx.rebalancer->reports().list(static_cast<int>(limit));
  if (!reports.isOk()) return errorResponse(reports.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& report : *reports) out.push_back(report.summaryJson());
  return http::Response::json(200, {{"reports", out}});
}

http::Response getRebalanceReport(ApiContext& ctx, const http::Request& request) {
  if (!ctx.rebalancer) return noRebalancer();
  auto id = boundedNumber(request.pathParam("id"), "the report id", 1, INT64_MAX);
  if (!id.isOk()) return errorResponse(id.status());
  auto report = ctx.rebalancer->reports().get(*id);
  if (!report.isOk()) return errorResponse(report.status());
  return http::Response::json(200, report->toJson());
}

}  // namespace floe::appliance::handlers
