#include "api/head_api.h"

#include <spdlog/spdlog.h>

#include "api/handlers.h"
#include "api/json_io.h"
#include "console/console_context.h"
#include "console/console_handlers.h"
#include "console/session_auth.h"

namespace floe::appliance {

bool isAdmin(const http::PeerIdentity& peer) {
  return peer.hasVerifiedCertificate && peer.organization == "floe-admin" &&
         peer.commonName == "floe-admin";
}

HeadApi::HeadApi(ApiContext context) : ctx_(std::move(context)) {
  using namespace handlers;
  add("GET", "/healthz", Access::kPublic, healthz);
  add("GET", "/readyz", Access::kPublic, readyz);
  add("GET", "/metrics", Access::kPublic, metrics);
  add("GET", "/cacerts", Access::kPublic, cacerts);
  // Public: a worker fetches the agent before it has a certificate, over TLS it pins
  // to the CA hash in its join token (see `floe token create`).
  add("GET", "/downloads/", Access::kPublic, listDownloads);
  add("GET", "/downloads/{name}", Access::kPublic, download);
  add("POST", "/api/v1/join", Access::kPublic, join);
  add("POST", "/api/v1/agents/{id}/heartbeat", Access::kNode, heartbeat);
  add("POST", "/api/v1/agents/{id}/leave", Access::kNode, leave);
  add("GET", "/api/v1/status", Access::kAdmin, status);
  add("GET", "/api/v1/tokens", Access::kAdmin, listTokens);
  add("POST", "/api/v1/tokens", Access::kAdmin, createToken);
  add("DELETE", "/api/v1/tokens/{id}", Access::kAdmin, revokeToken);
  add("GET", "/api/v1/nodes", Access::kAdmin, listNodes);
  add("GET", "/api/v1/nodes/{id}", Access::kAdmin, getNode);
  add("POST", "/api/v1/nodes/{id}/approve", Access::kAdmin, approveNode);
  add("DELETE", "/api/v1/nodes/{id}", Access::kAdmin, removeNode);
  add("GET", "/api/v1/events", Access::kAdmin, listEvents);
  add("GET", "/api/v1/stack", Access::kAdmin, stack);
  add("GET", "/api/v1/stack/spark-defaults", Access::kAdmin, sparkDefaults);
  add("GET", "/api/v1/rebalance", Access::kAdmin, rebalanceStatus);
  add("POST", "/api/v1/rebalance", Access::kAdmin, startRebalance);
  add("GET", "/api/v1/rebalance/reports", Access::kAdmin, listRebalanceReports);
  add("GET", "/api/v1/rebalance/reports/{id}", Access::kAdmin, getRebalanceReport);
  // The web console (console/): the login itself is public and rate limited per account.
  add("POST", "/api/v1/console/login", Access::kPublic, consoleLogin);
  add("POST", "/api/v1/console/logout", Access::kSession, consoleLogout);
  add("GET", "/api/v1/console/session", Access::kPublic, consoleSession);
  add("POST", "/api/v1/console/password", Access::kSession, consoleChangePassword);
}

std::optional<http::Response> HeadApi::checkAccess(Access access, const http::Request& request) {
  if (access == Access::kPublic || access == Access::kNode) return std::nullopt;
  if (access == Access::kAdmin && isAdmin(request.peer)) return std::nullopt;
  if (ctx_.console) {
    auto session = console::findSession(ctx_.console->sessions, request);
    if (!session.isOk()) return errorResponse(session.status());
    if (*session) {
      // The cookie rides along with any request the browser makes, even one a hostile
      // page triggers; only our own pages can read the CSRF token to send it back.
      if (console::isStateChanging(request.method) &&
          !console::csrfTokenMatches(**session, request.header(console::kCsrfHeader))) {
        return http::Response::error(403, "csrf_failed",
                                     "this call changes state and needs the session's X-CSRF-Token header; "
                                     "reload the console");
      }
      return std::nullopt;
    }
  }
  if (access == Access::kSession) {
    return http::Response::error(401, "unauthenticated", "not logged in to the console, or the session expired");
  }
  if (!request.peer.hasVerifiedCertificate) {
    return http::Response::error(401, "unauthenticated",
                                 "this call needs the admin client certificate (pki/admin.crt "
                                 "in the head's data directory) or a console login");
  }
  return http::Response::error(403, "permission_denied",
                               "this call needs the admin client certificate; the one presented "
                               "belongs to '" + request.peer.commonName + "'");
}

void HeadApi::add(const char* method, const char* pattern, Access access,
                  http::Response (*handler)(ApiContext&, const http::Request&)) {
  router_.add(method, pattern, [this, access, handler](const http::Request& request) {
    if (auto refused = checkAccess(access, request)) return std::move(*refused);
    return handler(ctx_, request);
  });
}

http::Response HeadApi::handle(http::Request request) {
  auto started = std::chrono::steady_clock::now();
  RouteMatch match = router_.match(request);
  http::Response response;
  std::string routeLabel;
  if (match.route) {
    routeLabel = match.route->pattern;
    response = match.route->handler(request);
  } else if (!match.allowedMethods.empty()) {
    routeLabel = "unmatched";
    std::string allow;
    for (const auto& m : match.allowedMethods) allow += (allow.empty() ? "" : ", ") + m;
    response = http::Response::error(405, "method_not_allowed",
                                     request.method + " is not allowed on " + request.path +
                                         "; allowed: " + allow);
    response.headers.emplace_back("Allow", allow);
  } else if (ctx_.console && request.method == "GET" && request.path.rfind("/api/", 0) != 0) {
    // Everything outside the API that no route claims belongs to the web console.
    routeLabel = "console";
    response = console::serveConsoleAsset(ctx_.console->assets, request);
  } else {
    routeLabel = "unmatched";
    response = http::Response::error(404, "not_found", "no route for " + request.path);
  }
  if (response.contentType == "application/json") {
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  ctx_.metrics.recordRequest(routeLabel, match.route ? request.method : "other", response.status, elapsed);
  // Paths never carry secrets (tokens travel in bodies), so they can be logged.
  auto level = response.status >= 500 ? spdlog::level::err
               : response.status >= 400 ? spdlog::level::info
                                        : spdlog::level::debug;
  spdlog::log(level, "request method={} path={} status={} remote={} duration_ms={:.2f}", request.method,
              request.path, response.status, request.peer.remoteAddress, elapsed.count() * 1000);
  return response;
}

}  // namespace floe::appliance
