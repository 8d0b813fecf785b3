// The console through HeadApi as a plain function: login with the rate limit, the
// session cookie admitting the same admin handlers the CLI uses, CSRF on every change,
// logout, change password, and the embedded files with their headers.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "../../support/head_state_fixture.h"
#include "api/head_api.h"
#include "console/console_context.h"
#include "console/session_auth.h"

namespace floe::appliance {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using nlohmann::json;

constexpr std::string_view kIndexHtml = "<!doctype html><title>floe</title>";
constexpr std::string_view kScript = "console.log('floe')";
const console::EmbeddedAsset kAssets[] = {
    {"index.html", kIndexHtml, "1111111111111111111111111111111111111111111111111111111111111111"},
    {"assets/index-abc123.js", kScript, "2222222222222222222222222222222222222222222222222222222222222222"},
    {"assets/index-abc123.css", "body{}", "3333333333333333333333333333333333333333333333333333333333333333"},
    {"favicon.svg", "<svg/>", "4444444444444444444444444444444444444444444444444444444444444444"},
};

std::optional<std::string> header(const http::Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string errorCode(const http::Response& response) {
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"].value("code", "");
}

struct ConsoleFixture : testing::HeadStateFixture {
  Metrics metrics;
  JoinRateLimiter joinLimiter{clock, 10};
  console::ConsoleAccounts accounts{*store, clock};
  console::SessionStore sessions{*store, clock};
  JoinRateLimiter loginLimiter{clock, console::kMaxLoginFailures, console::kLoginFailureWindow};
  JoinRateLimiter addressLimiter{clock, console::kMaxLoginFailuresPerAddress, console::kLoginFailureWindow};
  console::ConsoleContext consoleContext{accounts, sessions, loginLimiter, addressLimiter,
                                         console::ConsoleAssets(kAssets)};
  HeadApi api{ApiContext{*store, tokens, nodes, metrics, joinLimiter, clock, headInfo(), nullptr, nullptr,
                         &consoleContext}};
  std::string password = accounts.createWithRandomPassword(console::kAdminUser).value().value();

  HeadInfo headInfo() const {
    HeadInfo info;
    info.version = "0.0.0-test";
    info.serverUrl = "https://head.test:9443";
    info.caSha256 = caSha256;
    return info;
  }

  http::Response send(std::string method, std::string path, std::string body = "", std::string cookie = "",
                      std::string csrf = "") {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = std::move(body);
    if (!request.body.empty()) request.headers["content-type"] = "application/json";
    if (!cookie.empty()) request.headers["cookie"] = "theme=dark; " + std::string(console::kSessionCookie) + "=" + cookie;
    if (!csrf.empty()) request.headers[console::kCsrfHeader] = csrf;
    request.peer.remoteAddress = "192.0.2.10";
    return api.handle(request);
  }

  http::Response login(const std::string& user, const std::string& secret) {
    return send("POST", "/api/v1/console/login", json{{"user", user}, {"password", secret}}.dump());
  }

  struct LoggedIn {
    std::string cookie;
    std::string csrf;
  };

  LoggedIn mustLogin() {
    http::Response response = login("admin", password);
    INFO(response.body);
    REQUIRE(response.status == 200);
    auto setCookie = header(response, "Set-Cookie");
    REQUIRE(setCookie);
    std::string prefix = std::string(console::kSessionCookie) + "=";
    REQUIRE(setCookie->rfind(prefix, 0) == 0);
    std::string id = setCookie->substr(prefix.size(), setCookie->find(';') - prefix.size());
    return {id, json::parse(response.body)["csrf_token"].get<std::string>()};
  }
};

TEST_CASE_METHOD(ConsoleFixture, "login sets a Secure, HttpOnly, SameSite=Strict session cookie",
                 "[console][api]") {
  http::Response response = login("admin", password);
  REQUIRE(response.status == 200);
  auto cookie = header(response, "Set-Cookie");
  REQUIRE(cookie);
  CHECK_THAT(*cookie, Contains("; Secure") && Contains("; HttpOnly") && Contains("; SameSite=Strict") &&
                          Contains("Path=/"));
  json body = json::parse(response.body);
  CHECK(body["user"] == "admin");
  CHECK(body["idle_timeout_seconds"] == 1800);
  CHECK(body["csrf_token"].get<std::string>().size() == 64);
  CHECK(events("console.login").size() == 1);
}

TEST_CASE_METHOD(ConsoleFixture, "a wrong password is refused and audited without the password", "[console][api]") {
  http::Response response = login("admin", "not-the-password");
  CHECK(response.status == 401);
  CHECK(errorCode(response) == "unauthenticated");
  CHECK_FALSE(header(response, "Set-Cookie"));
  auto failed = events("console.login_failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].actor == "console:192.0.2.10");
  CHECK(failed[0].message.find("not-the-password") == std::string::npos);
  CHECK(login("nobody", password).status == 401);
  CHECK(send("POST", "/api/v1/console/login", "{}").status == 400);
  CHECK(send("POST", "/api/v1/console/login", "not json").status == 400);
}

TEST_CASE_METHOD(ConsoleFixture, "after 10 failed logins in 15 minutes the account is locked out until they age",
                 "[console][api][ratelimit]") {
  for (int i = 0; i < 10; ++i) {
    CHECK(login("admin", "wrong-" + std::to_string(i)).status == 401);
    clock.advance(10s);
  }
  http::Response locked = login("admin", password);  // even the right password
  CHECK(locked.status == 429);
  CHECK(errorCode(locked) == "resource_exhausted");
  auto retryAfter = header(locked, "Retry-After");
  REQUIRE(retryAfter);
  CHECK(std::stoi(*retryAfter) == 15 * 60 - 100);
  // Other accounts are not affected by this one's lockout.
  CHECK(login("operator", "whatever").status == 401);
  clock.advance(std::chrono::seconds(std::stoi(*retryAfter)));
  CHECK(login("admin", password).status == 200);
}

TEST_CASE_METHOD(ConsoleFixture, "one address guessing across many account names is limited too",
                 "[console][api][ratelimit]") {
  for (int i = 0; i < console::kMaxLoginFailuresPerAddress; ++i) {
    CHECK(login("user" + std::to_string(i), "guess").status == 401);
  }
  http::Response limited = login("admin", password);
  CHECK(limited.status == 429);
  CHECK_THAT(limited.body, Contains("192.0.2.10"));
  REQUIRE(header(limited, "Retry-After"));
  clock.advance(console::kLoginFailureWindow);
  CHECK(login("admin", password).status == 200);
}

TEST_CASE_METHOD(ConsoleFixture, "a session reaches the admin handlers the CLI uses", "[console][api]") {
  CHECK(send("GET", "/api/v1/nodes").status == 401);
  LoggedIn session = mustLogin();
  http::Response nodesList = send("GET", "/api/v1/nodes", "", session.cookie);
  INFO(nodesList.body);
  CHECK(nodesList.status == 200);
  CHECK(send("GET", "/api/v1/status", "", session.cookie).status == 200);
  CHECK(send("GET", "/api/v1/events", "", session.cookie).status == 200);
  CHECK(send("GET", "/api/v1/nodes", "", std::string(64, 'f')).status == 401);
  http::Response current = send("GET", "/api/v1/console/session", "", session.cookie);
  REQUIRE(current.status == 200);
  CHECK(json::parse(current.body)["csrf_token"] == session.csrf);
}

TEST_CASE_METHOD(ConsoleFixture, "a state-changing call without the session's CSRF token is rejected",
                 "[console][api][csrf]") {
  LoggedIn session = mustLogin();
  std::string spec = json{{"ttl_seconds", 3600}}.dump();
  http::Response missing = send("POST", "/api/v1/tokens", spec, session.cookie);
  CHECK(missing.status == 403);
  CHECK(errorCode(missing) == "csrf_failed");
  http::Response wrong = send("POST", "/api/v1/tokens", spec, session.cookie, std::string(64, '0'));
  CHECK(wrong.status == 403);
  CHECK(errorCode(wrong) == "csrf_failed");
  CHECK(send("DELETE", "/api/v1/nodes/abc", "", session.cookie).status == 403);
  auto listed = tokens.list();
  REQUIRE(listed.isOk());
  CHECK(listed->empty());  // nothing was created by the refused calls

  http::Response created = send("POST", "/api/v1/tokens", spec, session.cookie, session.csrf);
  INFO(created.body);
  REQUIRE(created.status == 201);
  json body = json::parse(created.body);
  CHECK_THAT(body["join_command"].get<std::string>(), Contains("floe-agent join https://head.test:9443 --token "));
  CHECK_THAT(body["agent_download_instructions"].get<std::string>(), Contains("No agent packages"));
}

TEST_CASE_METHOD(ConsoleFixture, "logout ends the session and clears the cookie", "[console][api]") {
  LoggedIn session = mustLogin();
  CHECK(send("POST", "/api/v1/console/logout", "", session.cookie).status == 403);  // CSRF applies
  http::Response out = send("POST", "/api/v1/console/logout", "", session.cookie, session.csrf);
  REQUIRE(out.status == 200);
  auto cleared = header(out, "Set-Cookie");
  REQUIRE(cleared);
  CHECK_THAT(*cleared, Contains("Max-Age=0"));
  CHECK(send("GET", "/api/v1/nodes", "", session.cookie).status == 401);
  CHECK(send("GET", "/api/v1/console/session", "", session.cookie).status == 401);
  CHECK(events("console.logout").size() == 1);
}

TEST_CASE_METHOD(ConsoleFixture, "change password checks the current one and keeps only this session",
                 "[console][api]") {
  LoggedIn mine = mustLogin();
  LoggedIn other = mustLogin();
  std::string wrongCurrent = json{{"current_password", "nope"}, {"new_password", "a much better one"}}.dump();
  http::Response refused = send("POST", "/api/v1/console/password", wrongCurrent, mine.cookie, mine.csrf);
  CHECK(refused.status == 403);
  std::string tooShort = json{{"current_password", password}, {"new_password", "short"}}.dump();
  CHECK(send("POST", "/api/v1/console/password", tooShort, mine.cookie, mine.csrf).status == 400);
  std::string good = json{{"current_password", password}, {"new_password", "a much better one"}}.dump();
  CHECK(send("POST", "/api/v1/console/password", good, mine.cookie).status == 403);  // no CSRF token
  REQUIRE(send("POST", "/api/v1/console/password", good, mine.cookie, mine.csrf).status == 200);
  CHECK(send("GET", "/api/v1/nodes", "", mine.cookie).status == 200);
  CHECK(send("GET", "/api/v1/nodes", "", other.cookie).status == 401);
  CHECK(login("admin", password).status == 401);
  CHECK(login("admin", "a much better one").status == 200);
}

TEST_CASE_METHOD(ConsoleFixture, "console files are served with their type, caching and security headers",
                 "[console][assets]") {
  http::Response index = send("GET", "/");
  REQUIRE(index.status == 200);
  CHECK(index.body == kIndexHtml);
  CHECK(index.contentType == "text/html; charset=utf-8");
  CHECK(header(index, "Cache-Control") == "no-cache");
  CHECK(header(index, "Content-Security-Policy") == std::string(console::kContentSecurityPolicy));
  CHECK_THAT(*header(index, "Content-Security-Policy"), Contains("frame-ancestors 'none'") &&
                                                            Contains("script-src 'self'") &&
                                                            !Contains("unsafe-inline"));
  CHECK(header(index, "X-Content-Type-Options") == "nosniff");
  CHECK(header(index, "X-Frame-Options") == "DENY");

  http::Response script = send("GET", "/assets/index-abc123.js");
  REQUIRE(script.status == 200);
  CHECK(script.body == kScript);
  CHECK(script.contentType == "text/javascript; charset=utf-8");
  CHECK(header(script, "Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(send("GET", "/assets/index-abc123.css").contentType == "text/css; charset=utf-8");
  CHECK(send("GET", "/favicon.svg").contentType == "image/svg+xml");

  auto etag = header(script, "ETag");
  REQUIRE(etag);
  http::Request conditional;
  conditional.method = "GET";
  conditional.path = "/assets/index-abc123.js";
  conditional.headers["if-none-match"] = *etag;
  http::Response notModified = api.handle(conditional);
  CHECK(notModified.status == 304);
  CHECK(notModified.body.empty());
}

TEST_CASE_METHOD(ConsoleFixture, "console routes get index.html; missing files and API paths get 404s",
                 "[console][assets]") {
  http::Response route = send("GET", "/nodes/abc123");
  CHECK(route.status == 200);
  CHECK(route.body == kIndexHtml);
  CHECK(send("GET", "/add-node").body == kIndexHtml);
  http::Response missingScript = send("GET", "/assets/index-old.js");
  CHECK(missingScript.status == 404);
  CHECK(missingScript.contentType == "application/json");
  http::Response api404 = send("GET", "/api/v1/nothing-here");
  CHECK(api404.status == 404);
  CHECK(api404.contentType == "application/json");
  CHECK(errorCode(api404) == "not_found");
  CHECK(send("POST", "/nodes").status == 404);  // only GET reaches the console files
}

TEST_CASE("content types by extension", "[console][assets]") {
  CHECK(console::contentTypeFor("index.html") == "text/html; charset=utf-8");
  CHECK(console::contentTypeFor("assets/a.js") == "text/javascript; charset=utf-8");
  CHECK(console::contentTypeFor("assets/font.woff2") == "font/woff2");
  CHECK(console::contentTypeFor("assets/x.png") == "image/png");
  CHECK(console::contentTypeFor("unknown.bin") == "application/octet-stream");
}

TEST_CASE("the session cookie is read among others and CSRF applies to changing methods", "[console][csrf]") {
  http::Request request;
  request.headers["cookie"] = "a=1; floe_session=abc; b=2";
  CHECK(console::cookieValue(request, "floe_session") == "abc");
  CHECK(console::cookieValue(request, "b") == "2");
  CHECK(console::cookieValue(request, "missing").empty());
  CHECK_FALSE(console::isStateChanging("GET"));
  CHECK_FALSE(console::isStateChanging("HEAD"));
  CHECK(console::isStateChanging("POST"));
  CHECK(console::isStateChanging("DELETE"));
  CHECK(console::isStateChanging("PUT"));
}

}  // namespace
}  // namespace floe::appliance
