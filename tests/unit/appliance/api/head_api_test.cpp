// The head API driven as a plain function: hand-built requests in, responses out,
// over a real state store, CA and FakeClock. TLS is represented by the PeerIdentity
// the transport would have filled in.
#include "api/head_api.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "../../support/head_state_fixture.h"
#include "floe/common/time_format.h"
#include "lakehouse/spark_defaults.h"
#include "floe/token/join_token.h"

namespace floe::appliance {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

constexpr const char* kServerUrl = "https://head.test:9443";
constexpr const char* kAgentAddress = "10.0.0.7";

http::PeerIdentity adminPeer() {
  http::PeerIdentity peer;
  peer.remoteAddress = "127.0.0.1";
  peer.hasVerifiedCertificate = true;
  peer.commonName = "floe-admin";
  peer.organization = "floe-admin";
  return peer;
}

// What the TLS layer reports for a client that presented `certificatePem`.
http::PeerIdentity peerFromCertificate(const std::string& certificatePem) {
  auto cert = pki::Certificate::fromPem(certificatePem);
  REQUIRE(cert.isOk());
  http::PeerIdentity peer;
  peer.remoteAddress = kAgentAddress;
  peer.hasVerifiedCertificate = true;
  peer.commonName = cert->commonName();
  peer.organization = cert->organization();
  peer.uris = cert->uris();
  peer.certificateSha256 = cert->derSha256Hex();
  return peer;
}

http::Request makeRequest(std::string method, std::string path, std::string body = "",
                          http::PeerIdentity peer = {}) {
  http::Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  if (!request.body.empty()) request.headers["content-type"] = "application/json";
  request.peer = std::move(peer);
  if (request.peer.remoteAddress.empty()) request.peer.remoteAddress = kAgentAddress;
  return request;
}

json parseBody(const http::Response& response) {
  json body = json::parse(response.body, nullptr, false);
  INFO(response.body);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

std::optional<std::string> header(const http::Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// The API contract: every error is {"error":{"code":"…","message":"…"}} and nothing else.
void checkError(const http::Response& response, int status, const std::string& code) {
  INFO(response.status << " " << response.body);
  CHECK(response.status == status);
  CHECK(response.contentType == "application/json");
  json body = parseBody(response);
  REQUIRE(body.is_object());
  CHECK(body.size() == 1);
  REQUIRE(body.contains("error"));
  const json& error = body["error"];
  REQUIRE(error.is_object());
  REQUIRE(error.contains("code"));
  REQUIRE(error.contains("message"));
  CHECK(error["code"] == code);
  REQUIRE(error["message"].is_string());
  CHECK_FALSE(error["message"].get<std::string>().empty());
}

struct ApiFixture : testing::HeadStateFixture {
  Metrics metrics;
  JoinRateLimiter limiter{clock, 3};
  HeadApi api{ApiContext{*store, tokens, nodes, metrics, limiter, clock, headInfo(), nullptr, nullptr}};

  HeadInfo headInfo() const {
    HeadInfo info;
    info.version = "0.0.0-test";
    info.serverUrl = kServerUrl;
    info.caPem = ca.certificate().toPem().value();
    info.caSha256 = caSha256;
    info.heartbeatInterval = 5s;
    info.startedAtMillis = clock.nowUnixMillis();
    return info;
  }

  http::Response send(std::string method, std::string path, std::string body = "",
                      http::PeerIdentity peer = {}) {
    return api.handle(makeRequest(std::move(method), std::move(path), std::move(body), std::move(peer)));
  }
  http::Response admin(std::string method, std::string path, std::string body = "") {
    return send(std::move(method), std::move(path), std::move(body), adminPeer());
  }

  // The full token text from POST /api/v1/tokens.
  std::string createTokenViaApi(const json& spec = json::object()) {
    http::Response response = admin("POST", "/api/v1/tokens", spec.dump());
    INFO(response.body);
    REQUIRE(response.status == 201);
    return parseBody(response)["secret"].get<std::string>();
  }

  http::Response joinViaApi(const std::string& tokenText, const std::string& machineId, const std::string& name,
                            const std::string& address = kAgentAddress) {
    json body = {{"token", tokenText}, {"csr", testing::newCsrPem()}, {"machine_id", machineId}, {"name", name}};
    http::PeerIdentity peer;
    peer.remoteAddress = address;
    return send("POST", "/api/v1/join", body.dump(), peer);
  }

  // Joins and returns the response body; the certificate in it is the node's identity.
  json mustJoinViaApi(const std::string& tokenText, const std::string& machineId, const std::string& name) {
    http::Response response = joinViaApi(tokenText, machineId, name);
    INFO(response.body);
    REQUIRE(response.status == 200);
    return parseBody(response);
  }

  http::Response heartbeat(const std::string& nodeId, const http::PeerIdentity& peer,
                           const json& body = json::object()) {
    return send("POST", "/api/v1/agents/" + nodeId + "/heartbeat", body.dump(), peer);
  }
};

TEST_CASE("HeadApi: an unknown route is 404 not_found", "[api]") {
  ApiFixture f;
  checkError(f.send("GET", "/nope"), 404, "not_found");
  checkError(f.admin("GET", "/api/v1/nodes/"), 404, "not_found");  // empty {id}
  checkError(f.admin("GET", "/api/v1/nodes/a/b/c"), 404, "not_found");
  checkError(f.send("GET", ""), 404, "not_found");
  checkError(f.send("GET", "healthz"), 404, "not_found");
}

TEST_CASE("HeadApi: a known route with the wrong method is 405 with Allow", "[api]") {
  ApiFixture f;
  http::Response nodes = f.admin("PUT", "/api/v1/nodes/n123");
  checkError(nodes, 405, "method_not_allowed");
  REQUIRE(header(nodes, "Allow").has_value());
  CHECK_THAT(*header(nodes, "Allow"), Contains("GET"));
  CHECK_THAT(*header(nodes, "Allow"), Contains("DELETE"));

  http::Response health = f.send("POST", "/healthz", "{}");
  checkError(health, 405, "method_not_allowed");
  CHECK(header(health, "Allow") == std::optional<std::string>("GET"));

  http::Response join = f.send("GET", "/api/v1/join");
  checkError(join, 405, "method_not_allowed");
  CHECK(header(join, "Allow") == std::optional<std::string>("POST"));
}

TEST_CASE("HeadApi: admin routes need the admin certificate", "[api][auth]") {
  ApiFixture f;
  const std::vector<std::pair<std::string, std::string>> adminRoutes = {
      {"GET", "/api/v1/status"},          {"GET", "/api/v1/tokens"},
      {"POST", "/api/v1/tokens"},         {"DELETE", "/api/v1/tokens/abc123"},
      {"GET", "/api/v1/nodes"},           {"GET", "/api/v1/nodes/n123"},
      {"POST", "/api/v1/nodes/n123/approve"}, {"DELETE", "/api/v1/nodes/n123"},
      {"GET", "/api/v1/events"},          {"GET", "/api/v1/stack/spark-defaults"},
  };

  http::PeerIdentity unverified = adminPeer();  // claims the admin subject, but did not verify
  unverified.hasVerifiedCertificate = false;

  http::PeerIdentity node;
  node.hasVerifiedCertificate = true;
  node.commonName = "worker-1";
  node.organization = "floe-node";
  node.uris = {"urn:floe:node:n123"};
  node.certificateSha256 = std::string(64, 'a');

  // A node may pick its own name, so it can get CN=floe-admin, but never O=floe-admin.
  http::PeerIdentity nodeNamedAdmin = node;
  nodeNamedAdmin.commonName = "floe-admin";

  http::PeerIdentity adminOrgOnly = adminPeer();
  adminOrgOnly.commonName = "someone-else";

  for (const auto& [method, path] : adminRoutes) {
    INFO(method << " " << path);
    checkError(f.send(method, path, "", {}), 401, "unauthenticated");
    checkError(f.send(method, path, "", unverified), 401, "unauthenticated");
    checkError(f.send(method, path, "", node), 403, "permission_denied");
    checkError(f.send(method, path, "", nodeNamedAdmin), 403, "permission_denied");
    checkError(f.send(method, path, "", adminOrgOnly), 403, "permission_denied");
  }
  // None of the refused calls did anything.
  CHECK(f.tokens.list().value().empty());

  CHECK(f.admin("GET", "/api/v1/status").status == 200);
  CHECK(f.admin("GET", "/api/v1/tokens").status == 200);
}

TEST_CASE("HeadApi: public routes answer without a certificate", "[api]") {
  ApiFixture f;
  http::Response health = f.send("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(parseBody(health) == json{{"status", "ok"}});
  CHECK(header(health, "Cache-Control") == std::optional<std::string>("no-store"));

  CHECK(f.send("GET", "/readyz").status == 200);

  http::Response cacerts = f.send("GET", "/cacerts");
  CHECK(cacerts.status == 200);
  CHECK(cacerts.contentType == "application/x-pem-file");
  CHECK(cacerts.body == f.ca.certificate().toPem().value());
}

TEST_CASE("HeadApi: POST /api/v1/tokens returns the secret once, with a join command", "[api][tokens]") {
  ApiFixture f;
  json spec = {{"ttl_seconds", 3600},
               {"max_uses", 2},
               {"labels", {{"zone", "a"}}},
               {"pending", true},
               {"description", "rack 4"}};
  http::Response response = f.admin("POST", "/api/v1/tokens", spec.dump());
  INFO(response.body);
  REQUIRE(response.status == 201);
  json body = parseBody(response);

  const std::string secret = body["secret"].get<std::string>();
  auto parsed = token::parseJoinToken(secret);
  REQUIRE(parsed.isOk());
  CHECK(parsed->caSha256 == f.caSha256);
  CHECK(body["join_command"] == "sudo floe-agent join " + std::string(kServerUrl) + " --token " + secret);
  CHECK_THAT(body["join_command"].get<std::string>(), Contains(kServerUrl));

  const json& tokenJson = body["token"];
  CHECK(tokenJson["id"] == parsed->id);
  CHECK(tokenJson["state"] == "active");
  CHECK(tokenJson["uses"] == 0);
  CHECK(tokenJson["max_uses"] == 2);
  CHECK(tokenJson["pending"] == true);
  CHECK(tokenJson["revoked"] == false);
  CHECK(tokenJson["labels"] == json{{"zone", "a"}});
  CHECK(tokenJson["description"] == "rack 4");
  CHECK(tokenJson["created_at"] == formatRfc3339(f.clock.nowUnixSeconds()));
  CHECK(tokenJson["expires_at"] == formatRfc3339(f.clock.nowUnixSeconds() + 3600));
  CHECK_THAT(tokenJson.dump(), !Contains(parsed->secret));

  // Listing shows the token but never its secret.
  http::Response listed = f.admin("GET", "/api/v1/tokens");
  REQUIRE(listed.status == 200);
  CHECK_THAT(listed.body, !Contains(parsed->secret));
  json tokensJson = parseBody(listed)["tokens"];
  REQUIRE(tokensJson.size() == 1);
  CHECK(tokensJson[0]["id"] == parsed->id);
}

TEST_CASE("HeadApi: POST /api/v1/tokens with an empty body uses the defaults", "[api][tokens]") {
  ApiFixture f;
  http::Response response = f.admin("POST", "/api/v1/tokens");
  REQUIRE(response.status == 201);
  json tokenJson = parseBody(response)["token"];
  CHECK(tokenJson["expires_at"] == formatRfc3339(f.clock.nowUnixSeconds() + 24 * 3600));
  CHECK(tokenJson["max_uses"].is_null());
  CHECK(tokenJson["pending"] == false);

  http::Request withCharset = makeRequest("POST", "/api/v1/tokens", "{}", adminPeer());
  withCharset.headers["content-type"] = "application/json; charset=utf-8";
  CHECK(f.api.handle(withCharset).status == 201);
}

TEST_CASE("HeadApi: POST /api/v1/tokens refuses bad bodies and creates nothing", "[api][tokens]") {
  ApiFixture f;
  checkError(f.admin("POST", "/api/v1/tokens", "{\"ttl_seconds\": "), 400, "invalid_argument");
  checkError(f.admin("POST", "/api/v1/tokens", "[1, 2]"), 400, "invalid_argument");
  checkError(f.admin("POST", "/api/v1/tokens", "\"a string\""), 400, "invalid_argument");
  checkError(f.admin("POST", "/api/v1/tokens", "null"), 400, "invalid_argument");

  http::Request plainText = makeRequest("POST", "/api/v1/tokens", "ttl=1h", adminPeer());
  plainText.headers["content-type"] = "text/plain";
  checkError(f.api.handle(plainText), 415, "unsupported_media_type");

  http::Request form = makeRequest("POST", "/api/v1/tokens", "{}", adminPeer());
  form.headers["content-type"] = "application/x-www-form-urlencoded";
  checkError(f.api.handle(form), 415, "unsupported_media_type");

  struct Case {
    json body;
    const char* mentions;
  };
  const std::vector<Case> invalid = {
      {{{"ttl_seconds", "1h"}}, "ttl_seconds"},
      {{{"ttl_seconds", 1.5}}, "ttl_seconds"},
      {{{"ttl_seconds", 10}}, "TTL"},
      {{{"ttl_seconds", 366 * 24 * 3600}}, "TTL"},
      {{{"max_uses", 0}}, "max uses"},
      {{{"pending", "yes"}}, "pending"},
      {{{"labels", {{"bad key", "x"}}}}, "bad key"},
      {{{"labels", json::array()}}, "labels"},
      {{{"labels", {{"zone", 1}}}}, "zone"},
      {{{"description", std::string(257, 'd')}}, "description"},
  };
  for (const auto& c : invalid) {
    INFO(c.body.dump());
    http::Response response = f.admin("POST", "/api/v1/tokens", c.body.dump());
    checkError(response, 400, "invalid_argument");
    CHECK_THAT(parseBody(response)["error"]["message"].get<std::string>(), Contains(c.mentions));
  }
  CHECK(f.tokens.list().value().empty());
}

TEST_CASE("HeadApi: DELETE /api/v1/tokens/{id} revokes; unknown ids are 404", "[api][tokens]") {
  ApiFixture f;
  auto parsed = token::parseJoinToken(f.createTokenViaApi());
  REQUIRE(parsed.isOk());
  http::Response revoked = f.admin("DELETE", "/api/v1/tokens/" + parsed->id);
  REQUIRE(revoked.status == 200);
  CHECK(parseBody(revoked)["token"]["state"] == "revoked");
  CHECK(f.admin("DELETE", "/api/v1/tokens/" + parsed->id).status == 200);  // twice is fine
  checkError(f.admin("DELETE", "/api/v1/tokens/zzzzzz"), 404, "not_found");
}

TEST_CASE("HeadApi: POST /api/v1/join admits a node and returns its certificate", "[api][join]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  http::Response response = f.joinViaApi(tokenText, "machine-1", "worker-1");
  INFO(response.body);
  REQUIRE(response.status == 200);
  json body = parseBody(response);
  const std::string nodeId = body["node_id"].get<std::string>();
  CHECK(body["name"] == "worker-1");
  CHECK(body["state"] == "ready");
  CHECK(body["ca"] == f.ca.certificate().toPem().value());
  CHECK(body["heartbeat_interval_seconds"] == 5);
  CHECK(body["k3s"].is_object());
  CHECK_THAT(response.body, !Contains(token::parseJoinToken(tokenText)->secret));

  auto cert = pki::Certificate::fromPem(body["certificate"].get<std::string>());
  REQUIRE(cert.isOk());
  CHECK(cert->uris() == std::vector<std::string>{"urn:floe:node:" + nodeId});
  CHECK(pki::verifyCertificateChain(*cert, f.ca.certificate(), f.clock.nowUnixSeconds()).isOk());

  http::Response listed = f.admin("GET", "/api/v1/nodes");
  REQUIRE(listed.status == 200);
  json nodesJson = parseBody(listed)["nodes"];
  REQUIRE(nodesJson.size() == 1);
  CHECK(nodesJson[0]["id"] == nodeId);
  CHECK(nodesJson[0]["address"] == kAgentAddress);

  http::Response detail = f.admin("GET", "/api/v1/nodes/" + nodeId);
  REQUIRE(detail.status == 200);
  CHECK(parseBody(detail)["machine_id"] == "machine-1");
  checkError(f.admin("GET", "/api/v1/nodes/nffffffffffff"), 404, "not_found");
}

TEST_CASE("HeadApi: POST /api/v1/join refusals use the error contract", "[api][join]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  std::string wrongSecret = tokenText;
  wrongSecret.back() = wrongSecret.back() == '0' ? '1' : '0';

  http::Response unauthenticated = f.joinViaApi(wrongSecret, "machine-1", "worker-1", "10.0.0.1");
  checkError(unauthenticated, 401, "unauthenticated");
  CHECK_THAT(unauthenticated.body, !Contains(wrongSecret.substr(wrongSecret.size() - 32)));

  checkError(f.joinViaApi("FLOE1-garbage", "machine-1", "worker-1", "10.0.0.2"), 400, "invalid_argument");
  checkError(f.send("POST", "/api/v1/join", json{{"token", tokenText}}.dump()), 400, "invalid_argument");
  checkError(f.send("POST", "/api/v1/join", "{{{"), 400, "invalid_argument");

  f.mustJoinViaApi(tokenText, "machine-1", "worker-1");
  checkError(f.joinViaApi(tokenText, "machine-2", "worker-1", "10.0.0.3"), 409, "failed_precondition");
}

TEST_CASE("HeadApi: failed joins are rate limited per source address", "[api][join][ratelimit]") {
  ApiFixture f;  // limit: 3 failures per 60 s
  const std::string tokenText = f.createTokenViaApi();
  std::string wrongSecret = tokenText;
  wrongSecret.back() = wrongSecret.back() == '0' ? '1' : '0';
  const std::string attacker = "192.0.2.66";

  checkError(f.joinViaApi(wrongSecret, "machine-x", "x", attacker), 401, "unauthenticated");
  checkError(f.joinViaApi(wrongSecret, "machine-x", "x", attacker), 401, "unauthenticated");
  // Malformed bodies count as failures too.
  http::PeerIdentity attackerPeer;
  attackerPeer.remoteAddress = attacker;
  checkError(f.send("POST", "/api/v1/join", "not json", attackerPeer), 400, "invalid_argument");

  // The 4th attempt is refused before the token is even looked at, valid or not.
  http::Response limited = f.joinViaApi(tokenText, "machine-x", "x", attacker);
  checkError(limited, 429, "resource_exhausted");
  auto retryAfter = header(limited, "Retry-After");
  REQUIRE(retryAfter.has_value());
  CHECK(std::stoll(*retryAfter) > 0);
  CHECK(std::stoll(*retryAfter) <= 61);
  CHECK(f.nodeCount() == 0);

  // Another address is not affected.
  CHECK(f.joinViaApi(tokenText, "machine-y", "y", "192.0.2.10").status == 200);

  f.clock.advance(60s);
  CHECK(f.joinViaApi(tokenText, "machine-x", "x", attacker).status == 200);
}

TEST_CASE("HeadApi: successful joins do not count toward the rate limit", "[api][join][ratelimit]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  for (int i = 0; i < 5; ++i) {
    INFO("join " << i);
    CHECK(f.joinViaApi(tokenText, "machine-1", "worker-1").status == 200);
  }
}

TEST_CASE("HeadApi: heartbeats must come from the node's own certificate", "[api][heartbeat]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  json a = f.mustJoinViaApi(tokenText, "machine-a", "node-a");
  json b = f.mustJoinViaApi(tokenText, "machine-b", "node-b");
  const std::string idA = a["node_id"].get<std::string>();
  const std::string idB = b["node_id"].get<std::string>();
  http::PeerIdentity peerA = peerFromCertificate(a["certificate"].get<std::string>());

  http::Response ok = f.heartbeat(idA, peerA, {{"status", "ok"}, {"k3s", {{"state", "running"}}}});
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  json okBody = parseBody(ok);
  CHECK(okBody["node_id"] == idA);
  CHECK(okBody["state"] == "ready");
  CHECK(okBody["send_inventory"] == false);
  CHECK(okBody["heartbeat_interval_seconds"] == 5);
  CHECK(okBody["instructions"] == json::array());

  checkError(f.heartbeat(idB, peerA), 403, "permission_denied");       // another node's id
  checkError(f.heartbeat(idA, http::PeerIdentity{}), 401, "unauthenticated");
  checkError(f.heartbeat(idA, adminPeer()), 403, "permission_denied");

  http::PeerIdentity stale = peerA;  // right node, but not its current certificate
  stale.certificateSha256 = std::string(64, 'f');
  checkError(f.heartbeat(idA, stale), 403, "permission_denied");

  checkError(f.heartbeat(idA, peerA, {{"status", "sleepy"}}), 400, "invalid_argument");
  checkError(f.heartbeat(idA, peerA, {{"k3s", {{"state", "bogus"}}}}), 400, "invalid_argument");
  checkError(f.heartbeat(idA, peerA, {{"load", 3}}), 400, "invalid_argument");

  REQUIRE(f.admin("DELETE", "/api/v1/nodes/" + idA).status == 200);
  checkError(f.heartbeat(idA, peerA), 404, "not_found");
}

TEST_CASE("HeadApi: approving a pending node, twice", "[api][nodes]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi({{"pending", true}});
  json joined = f.mustJoinViaApi(tokenText, "machine-1", "worker-1");
  CHECK(joined["state"] == "pending");
  const std::string id = joined["node_id"].get<std::string>();

  http::Response approved = f.admin("POST", "/api/v1/nodes/" + id + "/approve");
  REQUIRE(approved.status == 200);
  CHECK(parseBody(approved)["state"] == "ready");
  checkError(f.admin("POST", "/api/v1/nodes/" + id + "/approve"), 409, "failed_precondition");
  checkError(f.admin("POST", "/api/v1/nodes/nffffffffffff/approve"), 404, "not_found");
}

TEST_CASE("HeadApi: GET /api/v1/events filters and validates limit", "[api][events]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  json joined = f.mustJoinViaApi(tokenText, "machine-1", "worker-1");

  http::Request byKind = makeRequest("GET", "/api/v1/events", "", adminPeer());
  byKind.query["kind"] = "node.joined";
  http::Response response = f.api.handle(byKind);
  REQUIRE(response.status == 200);
  json events = parseBody(response)["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["node_id"] == joined["node_id"]);

  http::Request all = makeRequest("GET", "/api/v1/events", "", adminPeer());
  json allEvents = parseBody(f.api.handle(all))["events"];
  REQUIRE(allEvents.size() == 2);
  CHECK(allEvents[0]["kind"] == "node.joined");  // newest first
  CHECK(allEvents[1]["kind"] == "token.created");

  for (const char* limit : {"0", "1001", "abc", "", "5x"}) {
    INFO("limit=" << limit);
    http::Request bad = makeRequest("GET", "/api/v1/events", "", adminPeer());
    bad.query["limit"] = limit;
    checkError(f.api.handle(bad), 400, "invalid_argument");
  }
}

TEST_CASE("HeadApi: GET /api/v1/stack/spark-defaults is what floe spark-defaults prints", "[api][stack]") {
  ApiFixture f;
  http::Response response = f.api.handle(makeRequest("GET", "/api/v1/stack/spark-defaults", "", adminPeer()));
  REQUIRE(response.status == 200);
  json body = parseBody(response);
  auto properties = lakehouse::sparkProperties(lakehouse::LakehouseEndpoints{});
  CHECK(body["conf"] == lakehouse::renderSparkDefaultsConf(properties));
  CHECK(body["submit"] == lakehouse::renderSubmitArguments(properties));
  REQUIRE(body["properties"].size() == properties.size());
  CHECK(body["properties"][0]["key"] == properties[0].first);
  CHECK(body["conf"].get<std::string>().find(std::string(lakehouse::kDefaultCatalogUri)) != std::string::npos);
  // Credentials are references to environment variables, never values.
  CHECK(body["conf"].get<std::string>().find("env:" + std::string(lakehouse::kS3AccessKeyIdVariable)) != std::string::npos);
}

TEST_CASE("HeadApi: GET /metrics counts requests and nodes", "[api][metrics]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  f.mustJoinViaApi(tokenText, "machine-1", "worker-1");
  f.send("GET", "/nope");

  http::Response metrics = f.send("GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.contentType, StartsWith("text/plain"));
  const std::string& text = metrics.body;
  CHECK_THAT(text, Contains("# TYPE floe_http_requests_total counter"));
  CHECK_THAT(text, Contains("floe_http_requests_total{route=\"/api/v1/join\",method=\"POST\",code=\"200\"} 1"));
  CHECK_THAT(text, Contains("floe_http_requests_total{route=\"/api/v1/tokens\",method=\"POST\",code=\"201\"} 1"));
  CHECK_THAT(text, Contains("floe_http_requests_total{route=\"unmatched\",method=\"other\",code=\"404\"} 1"));
  CHECK_THAT(text, Contains("floe_http_request_duration_seconds_count{route=\"/api/v1/join\"} 1"));
  CHECK_THAT(text, Contains("floe_nodes{state=\"ready\"} 1"));
  CHECK_THAT(text, Contains("floe_nodes{state=\"pending\"} 0"));
  CHECK_THAT(text, Contains("floe_tokens{state=\"active\"} 1"));
  // Raw paths never become labels (bounded cardinality).
  CHECK_THAT(text, !Contains("/nope"));
}

TEST_CASE("HeadApi: GET /api/v1/status summarises nodes and tokens", "[api]") {
  ApiFixture f;
  const std::string tokenText = f.createTokenViaApi();
  f.mustJoinViaApi(tokenText, "machine-1", "worker-1");
  f.clock.advance(90s);
  http::Response response = f.admin("GET", "/api/v1/status");
  REQUIRE(response.status == 200);
  json body = parseBody(response);
  CHECK(body["version"] == "0.0.0-test");
  CHECK(body["server_url"] == kServerUrl);
  CHECK(body["ca_sha256"] == f.caSha256);
  CHECK(body["uptime_seconds"] == 90);
  CHECK(body["nodes"] == json{{"ready", 1}, {"pending", 0}, {"lost", 0}, {"total", 1}});
  CHECK(body["tokens"]["active"] == 1);
}

// Bug: parseJsonBody compares the Content-Type with a case-sensitive prefix match, but
// media type names are case-insensitive (RFC 9110 section 8.3.1), so a client sending
// "Application/JSON" gets 415.
TEST_CASE("HeadApi: the JSON media type is matched case-insensitively", "[api]") {
  ApiFixture f;
  http::Request request = makeRequest("POST", "/api/v1/tokens", "{}", adminPeer());
  request.headers["content-type"] = "Application/JSON";
  http::Response response = f.api.handle(request);
  INFO(response.body);
  CHECK(response.status == 201);
}

}  // namespace
}  // namespace floe::appliance

namespace floe::appliance {
namespace {

TEST_CASE("HeadApi: rebalance routes without Kubernetes, before the API is reachable, and reports",
          "[api][rebalance]") {
  ApiFixture f;
  checkError(f.admin("GET", "/api/v1/rebalance"), 409, "failed_precondition");
  checkError(f.admin("POST", "/api/v1/rebalance"), 409, "failed_precondition");

  // A rebalancer that has not reached the Kubernetes API (never started here).
  rebalance::RebalanceController rebalancer({"/nonexistent/kubeconfig", {}, {}}, *f.store, f.clock);
  HeadApi api{ApiContext{*f.store, f.tokens, f.nodes, f.metrics, f.limiter, f.clock, f.headInfo(), nullptr, nullptr,
                         nullptr, &rebalancer}};
  auto admin = [&](std::string method, std::string path, std::string body = "") {
    return api.handle(makeRequest(std::move(method), std::move(path), std::move(body), adminPeer()));
  };
  http::Response status = admin("GET", "/api/v1/rebalance");
  REQUIRE(status.status == 200);
  CHECK(parseBody(status)["connected"] == false);
  CHECK(parseBody(status)["policy"]["threshold_percent"] == 10);
  checkError(admin("POST", "/api/v1/rebalance", R"({"dry_run": true})"), 409, "failed_precondition");
  checkError(admin("POST", "/api/v1/rebalance", R"({"dry_run": "yes"})"), 400, "invalid_argument");

  rebalance::RoundReport report;
  report.trigger = "node-ready:w4";
  report.outcome = "balanced";
  report.startedAtMillis = f.clock.nowUnixMillis();
  REQUIRE(rebalancer.reports().insert(report).isOk());
  http::Response listed = admin("GET", "/api/v1/rebalance/reports");
  REQUIRE(listed.status == 200);
  REQUIRE(parseBody(listed)["reports"].size() == 1);
  CHECK(parseBody(listed)["reports"][0]["trigger"] == "node-ready:w4");
  http::Response one = admin("GET", "/api/v1/rebalance/reports/1");
  REQUIRE(one.status == 200);
  CHECK(parseBody(one)["outcome"] == "balanced");
  CHECK(parseBody(one).contains("detail"));
  checkError(admin("GET", "/api/v1/rebalance/reports/2"), 404, "not_found");
  checkError(admin("GET", "/api/v1/rebalance/reports/abc"), 400, "invalid_argument");
  http::Request badLimit = makeRequest("GET", "/api/v1/rebalance/reports", "", adminPeer());
  badLimit.query["limit"] = "0";
  checkError(api.handle(badLimit), 400, "invalid_argument");
}

}  // namespace
}  // namespace floe::appliance
