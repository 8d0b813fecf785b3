// The head's request handling, end to end minus the socket: raw bytes go through the
// same Beast parser and limits the server uses, then the router, authentication and
// every handler over a real SQLite store and CA. Any input must produce a response,
// never a crash, and every error must have the API's error shape.
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/head_api.h"
#include "floe/http/https_server.h"
#include "floe/http/target.h"
#include "floe/pki/certificate_authority.h"

namespace {

using namespace floe;
using namespace floe::appliance;
namespace bhttp = boost::beast::http;

// One head state for the whole run: building a CA per input would drown the fuzzer.
struct Head {
  Head() {
    dir = std::filesystem::temp_directory_path() / ("floe-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    store = Store::open(dir / "floe.db").value();
    ca.emplace(pki::CertificateAuthority::create("fuzz CA", clock.nowUnixSeconds(), std::chrono::hours(24)).value());
    tokens = std::make_unique<TokenStore>(*store, clock, ca->certificate().derSha256Hex());
    nodes = std::make_unique<NodeRegistry>(*store, clock, *ca);
    limiter = std::make_unique<JoinRateLimiter>(clock, 1'000'000);
    HeadInfo info{"fuzz", "https://127.0.0.1:9443", "", ca->certificate().derSha256Hex(), std::chrono::seconds(5), 0};
    api = std::make_unique<HeadApi>(ApiContext{*store, *tokens, *nodes, metrics, *limiter, clock, info, nullptr, nullptr});
  }
  ~Head() { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  FakeClock clock;
  std::unique_ptr<Store> store;
  std::optional<pki::CertificateAuthority> ca;
  std::unique_ptr<TokenStore> tokens;
  std::unique_ptr<NodeRegistry> nodes;
  Metrics metrics;
  std::unique_ptr<JoinRateLimiter> limiter;
  std::unique_ptr<HeadApi> api;
};

http::PeerIdentity peerFor(uint8_t selector) {
  http::PeerIdentity peer;
  peer.remoteAddress = "192.0.2." + std::to_string(selector % 4);
  switch (selector % 3) {
    case 0: break;  // anonymous
    case 1:
      peer.hasVerifiedCertificate = true;
      peer.commonName = peer.organization = "floe-admin";
      break;
    default:
      peer.hasVerifiedCertificate = true;
      peer.commonName = "worker";
      peer.organization = "floe-node";
      peer.uris = {"urn:floe:node:n000000000001"};
      peer.certificateSha256 = std::string(64, 'a');
  }
  return peer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Head head;
  if (size < 1) return 0;
  const http::ServerLimits limits;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));
  parser.body_limit(limits.maxBodyBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data + 1, size - 1), ec);
  if (ec || !parser.is_done()) return 0;  // the server would answer 400/431/413 and close
  auto raw = parser.release();

  http::Request request;
  request.method = std::string(raw.method_string());
  if (!http::parseTarget(raw.target(), request).isOk()) return 0;
  for (const auto& field : raw) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  request.body = raw.body();
  request.peer = peerFor(data[0]);

  http::Response response = head.api->handle(request);
  if (response.status < 100 || response.status > 599) std::abort();
  if (response.status >= 400 && response.contentType == "application/json") {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("error") || !body["error"].contains("code") ||
        !body["error"].contains("message")) {
      std::abort();
    }
  }
  return 0;
}
