#include "console/console_handlers.h"

#include <spdlog/spdlog.h>

#include "api/json_io.h"
#include "console/console_context.h"
#include "console/session_auth.h"
#include "state/event_log.h"

namespace floe::appliance::handlers {
namespace {

using console::ConsoleContext;

// Audit events for logins; never with the password.
void recordConsoleEvent(ApiContext& ctx, const std::string& kind, const std::string& actor,
                        const std::string& message) {
  Status recorded = ctx.store.write(Durability::kFull, [&](sqlite::Database& db) {
    return recordEvent(db, Event{0, ctx.clock.nowUnixMillis(), kind, std::nullopt, std::nullopt, actor, message});
  });
  if (!recorded.isOk()) spdlog::warn("console event not recorded kind={} error=\"{}\"", kind, recorded.message());
}

http::Response sessionJson(ApiContext& ctx, const std::string& user, const std::string& csrfToken) {
  return http::Response::json(
      200, {{"user", user},
            {"csrf_token", csrfToken},
            {"idle_timeout_seconds", ctx.console->sessions.policy().idleTimeout.count()}});
}

// The two required string fields of a JSON body; false with `error` set when missing.
bool readRequiredStrings(const http::Request& request, const char* firstName, std::string& first,
                         const char* secondName, std::string& second, http::Response& error) {
  nlohmann::json body;
  if (!parseJsonBody(request, body, error)) return false;
  auto firstValue = optionalString(body, firstName);
  auto secondValue = optionalString(body, secondName);
  Status bad = !firstValue.isOk() ? firstValue.status() : secondValue.status();
  if (!bad.isOk()) {
    error = errorResponse(bad);
    return false;
  }
  if (!*firstValue || (*firstValue)->empty() || !*secondValue) {
    error = http::Response::error(400, "invalid_argument",
                                  std::string(firstName) + " and " + secondName + " are required");
    return false;
  }
  first = **firstValue;
  second = **secondValue;
  return true;
}

// 429 with Retry-After, for an account over its failed-login limit.
http::Response tooManyFailures(int64_t waitSeconds, const std::string& what) {
  auto response = http::Response::error(429, "resource_exhausted",
                                        "too many " + what + "; try again in " + std::to_string(waitSeconds) + " s");
  response.headers.emplace_back("Retry-After", std::to_string(waitSeconds));
  return response;
}

http::Response noConsole() {
  return http::Response::error(404, "not_found", "the web console is not enabled on this head");
}

}  // namespace

http::Response consoleLogin(ApiContext& ctx, const http::Request& request) {
  if (!ctx.console) return noConsole();
  ConsoleContext& console = *ctx.console;
  std::string name, password;
  http::Response bad;
  if (!readRequiredStrings(request, "user", name, "password", password, bad)) return bad;
  std::string actor = "console:" + request.peer.remoteAddress;
  if (int64_t wait = console.loginLimiter.retryAfterSeconds(name); wait > 0) {
    return tooManyFailures(wait, "failed logins for '" + name + "'");
  }
  const std::string& address = request.peer.remoteAddress;
  if (int64_t wait = console.addressLimiter.retryAfterSeconds(address); wait > 0) {
    return tooManyFailures(wait, "failed logins from " + address);
  }
  Status verified = console.accounts.verify(name, password);
  if (!verified.isOk()) {
    if (verified.code() != ErrorCode::kUnauthenticated) return errorResponse(verified);
    console.loginLimiter.recordFailure(name);
    console.addressLimiter.recordFailure(address);
    recordConsoleEvent(ctx, "console.login_failed", actor, "failed console login for '" + name + "'");
    return errorResponse(verified);
  }
  auto session = console.sessions.create(name);
  if (!session.isOk()) return errorResponse(session.status());
  recordConsoleEvent(ctx, "console.login", name, "console login from " + request.peer.remoteAddress);
  http::Response response = sessionJson(ctx, name, session->csrfToken);
  response.headers.emplace_back("Set-Cookie", console::sessionCookie(session->id));
  return response;
}

http::Response consoleLogout(ApiContext& ctx, const http::Request& request) {
  if (!ctx.console) return noConsole();
  auto session = console::findSession(ctx.console->sessions, request);
  if (!session.isOk()) return errorResponse(session.status());
  if (*session) {
    Status removed = ctx.console->sessions.remove(console::cookieValue(request, console::kSessionCookie));
    if (!removed.isOk()) return errorResponse(removed);
    recordConsoleEvent(ctx, "console.logout", (*session)->user, "console logout");
  }
  http::Response response = http::Response::json(200, {{"logged_out", true}});
  response.headers.emplace_back("Set-Cookie", console::clearedSessionCookie());
  return response;
}

http::Response consoleSession(ApiContext& ctx, const http::Request& request) {
  if (!ctx.console) return noConsole();
  auto session = console::findSession(ctx.console->sessions, request);
  if (!session.isOk()) return errorResponse(session.status());
  if (!*session) return http::Response::error(401, "unauthenticated", "not logged in, or the session expired");
  return sessionJson(ctx, (*session)->user, (*session)->csrfToken);
}

http::Response consoleChangePassword(ApiContext& ctx, const http::Request& request) {
  if (!ctx.console) return noConsole();
  auto session = console::findSession(ctx.console->sessions, request);
  if (!session.isOk()) return errorResponse(session.status());
  if (!*session) return http::Response::error(401, "unauthenticated", "not logged in, or the session expired");
  std::string current, next;
  http::Response bad;
  if (!readRequiredStrings(request, "current_password", current, "new_password", next, bad)) return bad;
  const std::string& user = (*session)->user;
  // Guessing the current password through this form counts against the same limit.
  if (int64_t wait = ctx.console->loginLimiter.retryAfterSeconds(user); wait > 0) {
    return tooManyFailures(wait, "failed password checks");
  }
  Status changed = ctx.console->accounts.changePassword(user, current, next, (*session)->idSha256);
  if (changed.code() == ErrorCode::kPermissionDenied) {
    ctx.console->loginLimiter.recordFailure(user);
    recordConsoleEvent(ctx, "console.password_change_failed", user, "wrong current password when changing it");
  }
  if (!changed.isOk()) return errorResponse(changed);
  return http::Response::json(200, {{"changed", true}});
}

}  // namespace floe::appliance::handlers
