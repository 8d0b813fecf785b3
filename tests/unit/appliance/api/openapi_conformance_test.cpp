// Every routed (path, method) must be documented in appliance/api/openapi.yaml, and
// every documented one must be routed: the document is what clients are built from.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "api/head_api.h"
#include "floe/pki/certificate_authority.h"

namespace {

using namespace floe;
using namespace floe::appliance;

std::set<std::pair<std::string, std::string>> documentedOperations() {
  YAML::Node doc = YAML::LoadFile(std::string(FLOE_SOURCE_DIR) + "/appliance/api/openapi.yaml");
  std::set<std::pair<std::string, std::string>> operations;
  for (const auto& path : doc["paths"]) {
    for (const auto& operation : path.second) {
      std::string method = operation.first.as<std::string>();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      operations.emplace(path.first.as<std::string>(), method);
    }
  }
  return operations;
}

}  // namespace

TEST_CASE("the OpenAPI document lists exactly the routes the head serves", "[api][openapi]") {
  auto dir = std::filesystem::temp_directory_path() /
             ("floe-openapi-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    FakeClock clock;
    auto store = Store::open(dir / "floe.db");
    REQUIRE(store.isOk());
    auto ca = pki::CertificateAuthority::create("test CA", clock.nowUnixSeconds(), std::chrono::hours(24));
    REQUIRE(ca.isOk());
    TokenStore tokens(**store, clock, ca->certificate().derSha256Hex());
    NodeRegistry nodes(**store, clock, *ca);
    Metrics metrics;
    JoinRateLimiter limiter(clock, 10);
    HeadApi api(ApiContext{**store, tokens, nodes, metrics, limiter, clock, HeadInfo{}, nullptr, nullptr});

    std::set<std::pair<std::string, std::string>> routed;
    for (const auto& route : api.router().routes()) routed.emplace(route.pattern, route.method);
    auto documented = documentedOperations();

    for (const auto& [path, method] : routed) {
      INFO(method << " " << path << " is routed but missing from openapi.yaml");
      CHECK(documented.count({path, method}) == 1);
    }
    for (const auto& [path, method] : documented) {
      INFO(method << " " << path << " is documented but not routed");
      CHECK(routed.count({path, method}) == 1);
    }
  }
  std::filesystem::remove_all(dir);
}
