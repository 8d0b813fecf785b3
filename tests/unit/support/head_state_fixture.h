// The head's state layer over a temporary database, with a real cluster CA and a
// FakeClock: what the NodeRegistry and API tests build on.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "floe/common/clock.h"
#include "floe/pki/certificate.h"
#include "floe/pki/certificate_authority.h"
#include "floe/pki/certificate_request.h"
#include "floe/pki/private_key.h"
#include "state/event_log.h"
#include "state/node_registry.h"
#include "state/store.h"
#include "state/token_store.h"
#include "temp_dir.h"

namespace floe::testing {

inline constexpr std::chrono::seconds kTestCaValidity{10LL * 365 * 24 * 3600};

inline std::unique_ptr<appliance::Store> openStore(const std::filesystem::path& path) {
  auto store = appliance::Store::open(path);
  REQUIRE(store.isOk());
  return std::move(store).value();
}

// A fresh P-256 key and a CSR for it, as an agent would send.
inline std::string newCsrPem(std::string_view commonName = "floe-agent") {
  auto key = pki::PrivateKey::generateEcP256();
  REQUIRE(key.isOk());
  auto csr = pki::CertificateRequest::create(*key, commonName);
  REQUIRE(csr.isOk());
  auto pem = csr->toPem();
  REQUIRE(pem.isOk());
  return *pem;
}

struct HeadStateFixture {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<appliance::Store> store = openStore(dir / "floe.db");
  pki::CertificateAuthority ca =
      pki::CertificateAuthority::create("floe test CA", clock.nowUnixSeconds(), kTestCaValidity).value();
  std::string caSha256 = ca.certificate().derSha256Hex();
  appliance::TokenStore tokens{*store, clock, caSha256};
  appliance::NodeRegistry nodes{*store, clock, ca};

  appliance::CreatedToken createToken(const appliance::TokenSpec& spec = {}) {
    auto created = tokens.create(spec, "admin");
    REQUIRE(created.isOk());
    return std::move(created).value();
  }

  static appliance::JoinApplication application(const token::JoinToken& joinToken,
                                                const std::string& machineId,
                                                std::optional<std::string> name = std::nullopt) {
    appliance::JoinApplication app;
    app.tokenText = joinToken.format();
    app.csrPem = newCsrPem();
    app.machineId = machineId;
    app.name = std::move(name);
    app.sourceAddress = "10.0.0.7";
    return app;
  }

  Result<appliance::JoinOutcome> join(const token::JoinToken& joinToken, const std::string& machineId,
                                      std::optional<std::string> name = std::nullopt) {
    return nodes.join(application(joinToken, machineId, std::move(name)));
  }

  // Joins and insists it worked.
  appliance::JoinOutcome mustJoin(const token::JoinToken& joinToken, const std::string& machineId,
                                  std::optional<std::string> name = std::nullopt) {
    auto outcome = join(joinToken, machineId, std::move(name));
    INFO(outcome.status().toString());
    REQUIRE(outcome.isOk());
    return std::move(outcome).value();
  }

  appliance::TokenRecord tokenRecord(const std::string& id) {
    auto all = tokens.list();
    REQUIRE(all.isOk());
    for (const auto& record : *all) {
      if (record.id == id) return record;
    }
    FAIL("no token with id " << id);
    return {};
  }

  std::vector<appliance::Event> events(std::optional<std::string> kind = std::nullopt,
                                       std::optional<std::string> nodeId = std::nullopt) {
    appliance::EventFilter filter;
    filter.limit = 1000;
    filter.kind = std::move(kind);
    filter.nodeId = std::move(nodeId);
    auto listed = appliance::listEvents(*store, filter);
    REQUIRE(listed.isOk());
    return std::move(listed).value();
  }

  int64_t nodeCount() {
    auto listed = nodes.list();
    REQUIRE(listed.isOk());
    return static_cast<int64_t>(listed->size());
  }
};

}  // namespace floe::testing
