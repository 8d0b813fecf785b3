#include "agent/join/join.h"

#include <boost/url/parse.hpp>

#include "floe/common/time_format.h"
#include "floe/http/beast_http_client.h"
#include "floe/pki/certificate.h"
#include "floe/pki/certificate_request.h"
#include "floe/pki/private_key.h"
#include "floe/token/join_token.h"

namespace floe::agent {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{500};
constexpr std::chrono::milliseconds kMaxRetry{10'000};

class BeastHeadClientFactory final : public HeadClientFactory {
 public:
  std::unique_ptr<http::HttpClient> unverified() override {
    http::ClientTlsOptions tls;
    tls.insecureSkipVerify = true;
    return http::makeBeastHttpClient(tls);
  }
  std::unique_ptr<http::HttpClient> verified(const std::string& caFile) override {
    http::ClientTlsOptions tls;
    tls.caFile = caFile;
    return http::makeBeastHttpClient(tls);
  }
};

// 1234ms -> "1.2s"
std::string formatSeconds(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

// Sends `request` until the head answers (any HTTP status) or the deadline passes.
// Transport errors and 502/503/504 are retried with jittered backoff, showing progress.
Result<http::ClientResponse> sendWithRetry(http::HttpClient& client, const http::ClientRequest& request,
                                           const std::string& what, const JoinRequest& join,
                                           JoinDependencies& deps) {
  Backoff backoff(kFirstRetry, kMaxRetry);
  auto started = deps.clock.steadyNow();
  auto deadline = started + join.deadline;
  for (int attempt = 1;; ++attempt) {
    auto response = client.send(request);
    std::string problem;
    if (response.isOk()) {
      long status = response->status;
      if (status != 502 && status != 503 && status != 504) return response;
      problem = "the head answered HTTP " + std::to_string(status);
    } else {
      problem = response.status().message();
    }
    auto now = deps.clock.steadyNow();
    if (now >= deadline) {
      auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
      return unavailable(what + ": gave up after " + formatSeconds(elapsed) + " and " + std::to_string(attempt) +
                         " attempts; last error: " + problem +
                         ". Check the URL, that 'floe serve' runs on the head, and that its port is "
                         "reachable from this machine");
    }
    // The last wait is cut short so one final attempt lands right at the deadline.
    auto delay = std::min(backoff.next(), std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    deps.progress << "  " << what << ": attempt " << attempt << " failed (" << problem << "); retrying in "
                  << formatSeconds(delay) << "\n"
                  << std::flush;
    deps.sleep(delay);
  }
}

std::string apiErrorMessage(const http::ClientResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    return body["error"].value("message", "HTTP " + std::to_string(response.status));
  }
  return "HTTP " + std::to_string(response.status);
}

Status explainJoinRefusal(const http::ClientResponse& response) {
  std::string message = apiErrorMessage(response);
  switch (response.status) {
    case 401:
      return unauthenticated("the head refused the token: " + message +
                             ". Create a new one on the head with 'floe token create'");
    case 409: return failedPrecondition("the head refused the join: " + message);
    case 429: return resourceExhausted("the head is rate-limiting this machine: " + message);
    case 400: return invalidArgument("the head rejected the join request: " + message);
    default:
      return unavailable("the head could not complete the join (HTTP " + std::to_string(response.status) +
                         "): " + message + ". See the head's log ('journalctl -u floe')");
  }
}

}  // namespace

std::unique_ptr<HeadClientFactory> makeHeadClientFactory() {
  return std::make_unique<BeastHeadClientFactory>();
}

Result<std::string> normaliseHeadUrl(std::string_view url) {
  auto bad = [&] {
    return invalidArgument("head URL '" + std::string(url) +
                           "' must look like https://HEAD:9443 (the URL printed by 'floe token create')");
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad();
  if (parsed->scheme() != "https" || parsed->host().empty()) return bad();
  std::string path = parsed->path();
  if (!path.empty() && path != "/") return bad();
  if (parsed->has_query() || parsed->has_userinfo()) return bad();
  std::string normalised = "https://" + std::string(parsed->encoded_host_and_port());
  return normalised;
}

Result<JoinedIdentity> joinCluster(const JoinRequest& request, const AgentStateDir& stateDir,
                                   JoinDependencies deps) {
  FLOE_ASSIGN_OR_RETURN(std::string headUrl, normaliseHeadUrl(request.headUrl));
  auto token = token::parseJoinToken(request.tokenText);
  if (!token.isOk()) {
    return invalidArgument(token.status().message() + "; copy the whole command printed by 'floe token create'");
  }
  FLOE_RETURN_IF_ERROR(stateDir.ensureExists());

  // 1. The CA, fetched without verification and trusted only if it matches the pin.
  deps.progress << "Fetching the cluster CA from " << headUrl << " ...\n" << std::flush;
  auto unverified = deps.clients.unverified();
  FLOE_ASSIGN_OR_RETURN(http::ClientResponse caResponse,
                        sendWithRetry(*unverified, {"GET", headUrl + "/cacerts", "", {}, std::chrono::seconds(15)},
                                      "fetching the CA from " + headUrl, request, deps));
  if (caResponse.status != 200) {
    return failedPrecondition("fetching the CA from " + headUrl + "/cacerts: HTTP " +
                              std::to_string(caResponse.status) + "; is this URL a floe head?");
  }
  auto ca = pki::Certificate::fromPem(caResponse.body);
  if (!ca.isOk()) {
    return failedPrecondition("the answer of " + headUrl + "/cacerts is not a certificate; is this URL a floe head?");
  }
  std::string presented = ca->derSha256Hex();
  if (presented != token->caSha256) {
    return permissionDenied("refusing to join: the head's CA does not match the token.\n  token pins:     " +
                            token->caSha256 + "\n  head presented: " + presented + "\nThe URL points at another "
                            "cluster's head, or something is intercepting the connection. Nothing was sent to it.");
  }
  FLOE_RETURN_IF_ERROR(stateDir.saveCa(caResponse.body));
  deps.progress << "CA pinned: sha256 " << presented << "\n";

  // 2. Our key (kept across re-joins) and a CSR for it.
  FLOE_ASSIGN_OR_RETURN(std::string keyPem, stateDir.loadOrCreateKeyPem());
  FLOE_ASSIGN_OR_RETURN(auto key, pki::PrivateKey::fromPem(keyPem));
  FLOE_ASSIGN_OR_RETURN(auto csr, pki::CertificateRequest::create(key, request.name.value_or(request.machineId)));
  FLOE_ASSIGN_OR_RETURN(std::string csrPem, csr.toPem());

  // 3. The join itself, over TLS verified against the pinned CA.
  nlohmann::json body{{"token", request.tokenText},
                      {"csr", csrPem},
                      {"machine_id", request.machineId},
                      {"labels", request.labels},
                      {"inventory", request.inventory},
                      {"preflight", request.preflight}};
  if (request.name) body["name"] = *request.name;
  deps.progress << "Joining " << headUrl << " as machine " << request.machineId << " ...\n" << std::flush;
  auto verified = deps.clients.verified(stateDir.caFile().string());
  FLOE_ASSIGN_OR_RETURN(
      http::ClientResponse joined,
      sendWithRetry(*verified,
                    {"POST", headUrl + "/api/v1/join", body.dump(), {{"Content-Type", "application/json"}},
                     std::chrono::seconds(30)},
                    "joining " + headUrl, request, deps));
  if (joined.status != 200) return explainJoinRefusal(joined);
  auto answer = nlohmann::json::parse(joined.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("node_id") || !answer.contains("certificate")) {
    return internalError("the head's join answer is not what this agent understands; are head and agent "
                         "the same version?");
  }

  JoinedIdentity identity;
  identity.nodeId = answer.value("node_id", "");
  identity.name = answer.value("name", "");
  identity.headUrl = headUrl;
  identity.caSha256 = presented;
  identity.state = answer.value("state", "");
  identity.joinedAt = formatRfc3339(deps.clock.nowUnixSeconds());
  identity.k3s = answer.value("k3s", nlohmann::json::object());
  FLOE_RETURN_IF_ERROR(stateDir.saveJoin(answer.value("certificate", ""), identity));
  return identity;
}

}  // namespace floe::agent
