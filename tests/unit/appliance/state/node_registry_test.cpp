#include "state/node_registry.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "../../support/head_state_fixture.h"
#include "floe/common/crypto.h"

namespace floe::appliance {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using testing::HeadStateFixture;

constexpr auto kHeartbeatInterval = 5s;

TokenSpec pendingSpec() {
  TokenSpec spec;
  spec.pending = true;
  return spec;
}

pki::Certificate parseCertificate(const std::string& pem) {
  auto cert = pki::Certificate::fromPem(pem);
  REQUIRE(cert.isOk());
  return std::move(cert).value();
}

// Everything a refused join must leave untouched.
struct Snapshot {
  int64_t nodes;
  int64_t tokenUses;
  size_t events;
};

Snapshot snapshot(HeadStateFixture& f, const std::string& tokenId) {
  return {f.nodeCount(), f.tokenRecord(tokenId).uses, f.events().size()};
}

void checkUnchanged(HeadStateFixture& f, const std::string& tokenId, const Snapshot& before) {
  Snapshot after = snapshot(f, tokenId);
  CHECK(after.nodes == before.nodes);
  CHECK(after.tokenUses == before.tokenUses);
  CHECK(after.events == before.events);
}

TEST_CASE("NodeRegistry::join with a valid token: ready node and a certificate from the CA", "[state][nodes]") {
  HeadStateFixture f;
  TokenSpec spec;
  spec.labels = {{"zone", "a"}, {"rack", "r1"}};
  auto created = f.createToken(spec);

  JoinApplication app = HeadStateFixture::application(created.token, "machine-0001", "Worker-1");
  app.labels = {{"rack", "r2"}, {"floe.io/gpu", "true"}};
  app.inventory = {{"host", {{"hostname", "ignored-when-name-given"}}}};
  app.preflight = nlohmann::json::array({{{"check", "swap"}, {"ok", true}}});
  auto outcome = f.nodes.join(app);
  INFO(outcome.status().toString());
  REQUIRE(outcome.isOk());

  const NodeRecord& node = outcome->node;
  CHECK_FALSE(outcome->rejoined);
  CHECK(node.state == "ready");
  CHECK_THAT(node.id, StartsWith("n"));
  CHECK(node.id.size() == 13);
  CHECK(node.name == "worker-1");  // normalised to a Kubernetes node name
  CHECK(node.machineId == "machine-0001");
  CHECK(node.address == "10.0.0.7");
  CHECK(node.tokenId == std::optional<std::string>(created.record.id));
  CHECK(node.joinedAtMillis == f.clock.nowUnixMillis());
  // Token labels, overridden by the agent's own where both set a key.
  CHECK(node.labels == Labels{{"zone", "a"}, {"rack", "r2"}, {"floe.io/gpu", "true"}});

  pki::Certificate cert = parseCertificate(outcome->certificatePem);
  CHECK(cert.commonName() == "worker-1");
  CHECK(cert.organization() == "floe-node");
  CHECK(cert.uris() == std::vector<std::string>{"urn:floe:node:" + node.id});
  CHECK_FALSE(cert.isCa());
  CHECK(pki::verifyCertificateChain(cert, f.ca.certificate(), f.clock.nowUnixSeconds()).isOk());
  CHECK(cert.derSha256Hex() == node.certSha256);
  CHECK(node.certExpiresAtMillis == cert.notAfterUnix() * 1000);
  CHECK(cert.notAfterUnix() == f.clock.nowUnixSeconds() + kNodeCertificateValidity.count());

  CHECK(f.tokenRecord(created.record.id).uses == 1);

  auto stored = f.nodes.get(node.id);
  REQUIRE(stored.isOk());
  CHECK(stored->state == "ready");
  CHECK(stored->certSha256 == node.certSha256);
  CHECK(stored->inventory == app.inventory);
  CHECK(stored->inventoryHash == sha256Hex(app.inventory.dump()));
  CHECK(stored->preflight == app.preflight);

  auto joined = f.events("node.joined");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].nodeId == std::optional<std::string>(node.id));
  CHECK(joined[0].tokenId == std::optional<std::string>(created.record.id));
  CHECK(joined[0].actor == "join:10.0.0.7");
  CHECK_THAT(joined[0].message, !Contains(created.token.secret));
}

TEST_CASE("NodeRegistry::join: the default name comes from the hostname, else the machine id", "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken();

  JoinApplication withHost = HeadStateFixture::application(created.token, "aaaa1111bbbb");
  withHost.inventory = {{"host", {{"hostname", "Spark-Worker-7"}}}};
  auto fromHost = f.nodes.join(withHost);
  REQUIRE(fromHost.isOk());
  CHECK(fromHost->node.name == "spark-worker-7");

  auto fromMachine = f.join(created.token, "CCCC2222dddd");
  REQUIRE(fromMachine.isOk());
  CHECK(fromMachine->node.name == "node-cccc2222");

  CHECK(defaultNodeName(nlohmann::json{{"host", {{"hostname", "bad_host!"}}}}, "m.1-2_3") == "node-m123");
  CHECK(defaultNodeName(nullptr, "...") == "node-unnamed");
}

TEST_CASE("NodeRegistry::join with a pending token waits for approval", "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken(pendingSpec());
  auto outcome = f.mustJoin(created.token, "machine-p", "pending-1");
  CHECK(outcome.node.state == "pending");

  auto counts = f.nodes.counts();
  REQUIRE(counts.isOk());
  CHECK(counts->pending == 1);
  CHECK(counts->ready == 0);

  f.clock.advance(10min);
  auto approved = f.nodes.approve(outcome.node.id, "admin");
  REQUIRE(approved.isOk());
  CHECK(approved->state == "ready");
  // Approval counts as being seen, so the node is not lost right away.
  CHECK(approved->lastSeenAtMillis == std::optional<int64_t>(f.clock.nowUnixMillis()));
  CHECK(f.nodes.get(outcome.node.id)->state == "ready");
  CHECK(f.nodes.sweepLost(kHeartbeatInterval).value() == 0);

  auto approvedEvents = f.events("node.approved");
  REQUIRE(approvedEvents.size() == 1);
  CHECK(approvedEvents[0].actor == "admin");

  auto again = f.nodes.approve(outcome.node.id, "admin");
  REQUIRE_FALSE(again.isOk());
  CHECK(again.status().code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(again.status().message(), Contains("not pending"));

  CHECK(f.nodes.approve("nffffffffffff", "admin").status().code() == ErrorCode::kNotFound);
}

TEST_CASE("NodeRegistry::join again from the same machine: same id, new certificate", "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken();
  auto first = f.mustJoin(created.token, "machine-r", "rejoiner");
  f.clock.advance(1min);
  auto second = f.mustJoin(created.token, "machine-r", "rejoiner");

  CHECK(second.rejoined);
  CHECK(second.node.id == first.node.id);
  CHECK(second.node.joinedAtMillis == first.node.joinedAtMillis);
  CHECK(second.node.certSha256 != first.node.certSha256);
  CHECK(parseCertificate(second.certificatePem).uris() ==
        std::vector<std::string>{"urn:floe:node:" + first.node.id});
  CHECK(f.nodeCount() == 1);
  // The same machine re-presenting the same token is a retry, not another use.
  CHECK(f.tokenRecord(created.record.id).uses == 1);
  REQUIRE(f.events("node.rejoined").size() == 1);
  CHECK(f.events("node.rejoined")[0].nodeId == std::optional<std::string>(first.node.id));

  // Only the newest certificate may heartbeat.
  auto stale = f.nodes.heartbeat(first.node.id, first.node.certSha256, {});
  CHECK(stale.status().code() == ErrorCode::kPermissionDenied);
  CHECK(f.nodes.heartbeat(first.node.id, second.node.certSha256, {}).isOk());
}

TEST_CASE("NodeRegistry::join again keeps a pending node pending", "[state][nodes]") {
  HeadStateFixture f;
  auto pending = f.createToken(pendingSpec());
  auto automatic = f.createToken();
  auto first = f.mustJoin(pending.token, "machine-q", "queued");
  auto second = f.mustJoin(automatic.token, "machine-q", "queued");
  CHECK(first.node.state == "pending");
  CHECK(second.rejoined);
  CHECK(second.node.state == "pending");
}

// floe-agent retries POST /api/v1/join on transport errors; if the head committed the join
// but the answer was lost, the retry must not be refused for a used-up single-use token.
TEST_CASE("NodeRegistry::join retried by the same machine with a single-use token succeeds",
          "[state][nodes]") {
  HeadStateFixture f;
  TokenSpec spec;
  spec.maxUses = 1;
  auto created = f.createToken(spec);
  auto first = f.mustJoin(created.token, "machine-1", "worker");

  auto retried = f.join(created.token, "machine-1", "worker");
  INFO(retried.status().toString());
  REQUIRE(retried.isOk());
  CHECK(retried->rejoined);
  CHECK(retried->node.id == first.node.id);
  // A different machine still cannot use the token.
  CHECK(f.join(created.token, "machine-2", "other").status().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("NodeRegistry::join refusals change no state", "[state][nodes]") {
  HeadStateFixture f;

  SECTION("max uses exhausted -> kUnauthenticated") {
    TokenSpec spec;
    spec.maxUses = 1;
    auto created = f.createToken(spec);
    f.mustJoin(created.token, "machine-1", "first");
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(created.token, "machine-2", "second");
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(refused.status().message(), Contains("maximum 1 times"));
    checkUnchanged(f, created.record.id, before);
    CHECK(before.nodes == 1);
    CHECK(before.tokenUses == 1);
  }
  SECTION("expired token -> kUnauthenticated") {
    auto created = f.createToken(TokenSpec{std::chrono::seconds(60), std::nullopt, {}, false, ""});
    f.clock.advance(61s);
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(created.token, "machine-1");
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(refused.status().message(), Contains("expired"));
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("revoked token -> kUnauthenticated") {
    auto created = f.createToken();
    REQUIRE(f.tokens.revoke(created.record.id, "admin").isOk());
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(created.token, "machine-1");
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(refused.status().message(), Contains("revoked"));
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("token pinned to another CA -> kUnauthenticated") {
    auto created = f.createToken();
    auto otherCa = pki::CertificateAuthority::create("other cluster", f.clock.nowUnixSeconds(),
                                                     testing::kTestCaValidity);
    REQUIRE(otherCa.isOk());
    token::JoinToken foreign = created.token;
    foreign.caSha256 = otherCa->certificate().derSha256Hex();
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(foreign, "machine-1");
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(refused.status().message(), Contains("another cluster"));
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("wrong secret -> kUnauthenticated, secret not echoed") {
    auto created = f.createToken();
    token::JoinToken guessed = created.token;
    guessed.secret.back() = guessed.secret.back() == '0' ? '1' : '0';
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(guessed, "machine-1");
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(refused.status().message(), !Contains(guessed.secret));
    CHECK_THAT(refused.status().message(), !Contains(created.token.secret));
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("unknown token id -> the same answer as a wrong secret") {
    auto created = f.createToken();
    token::JoinToken unknown = created.token;
    unknown.id = created.token.id == "zzzzzz" ? "yyyyyy" : "zzzzzz";
    auto refused = f.join(unknown, "machine-1");
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK(refused.status().message() == "unknown token or wrong secret");
  }
  SECTION("name used by another machine -> kFailedPrecondition") {
    auto created = f.createToken();
    auto first = f.mustJoin(created.token, "machine-1", "worker");
    Snapshot before = snapshot(f, created.record.id);
    auto refused = f.join(created.token, "machine-2", "WORKER");  // same after normalising
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::kFailedPrecondition);
    CHECK_THAT(refused.status().message(), Contains(first.node.id));
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("invalid machine id or node name -> kInvalidArgument") {
    auto created = f.createToken();
    Snapshot before = snapshot(f, created.record.id);
    for (const std::string& machineId : std::vector<std::string>{"", "has space", "a/b", std::string(129, 'm')}) {
      INFO("machine id '" << machineId << "'");
      CHECK(f.join(created.token, machineId).status().code() == ErrorCode::kInvalidArgument);
    }
    for (const std::string& name : std::vector<std::string>{"", "-leading", "trailing-", "under_score", "has space",
                                                             std::string(64, 'n')}) {
      INFO("name '" << name << "'");
      CHECK(f.join(created.token, "machine-ok", name).status().code() == ErrorCode::kInvalidArgument);
    }
    checkUnchanged(f, created.record.id, before);
  }
  SECTION("a malformed token or CSR -> kInvalidArgument") {
    auto created = f.createToken();
    Snapshot before = snapshot(f, created.record.id);
    JoinApplication badToken = HeadStateFixture::application(created.token, "machine-1");
    badToken.tokenText = "FLOE1-nonsense";
    CHECK(f.nodes.join(badToken).status().code() == ErrorCode::kInvalidArgument);
    JoinApplication badCsr = HeadStateFixture::application(created.token, "machine-1");
    badCsr.csrPem = "not a CSR";
    CHECK(f.nodes.join(badCsr).status().code() == ErrorCode::kInvalidArgument);
    JoinApplication badLabel = HeadStateFixture::application(created.token, "machine-1");
    badLabel.labels = {{"bad key", "x"}};
    CHECK(f.nodes.join(badLabel).status().code() == ErrorCode::kInvalidArgument);
    checkUnchanged(f, created.record.id, before);
  }
}

TEST_CASE("NodeRegistry::heartbeat: wrong certificate, unknown node", "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken();
  auto joined = f.mustJoin(created.token, "machine-1", "worker");

  auto wrongCert = f.nodes.heartbeat(joined.node.id, std::string(64, 'a'), {});
  REQUIRE_FALSE(wrongCert.isOk());
  CHECK(wrongCert.status().code() == ErrorCode::kPermissionDenied);
  CHECK(f.nodes.heartbeat(joined.node.id, "", {}).status().code() == ErrorCode::kPermissionDenied);

  auto unknown = f.nodes.heartbeat("nffffffffffff", joined.node.certSha256, {});
  CHECK(unknown.status().code() == ErrorCode::kNotFound);

  HeartbeatReport report;
  report.status = "degraded";
  report.load = {{"cpu", 0.5}};
  report.k3s = {{"state", "running"}};
  f.clock.advance(5s);
  auto ok = f.nodes.heartbeat(joined.node.id, joined.node.certSha256, report);
  REQUIRE(ok.isOk());
  CHECK(ok->state == "ready");
  auto stored = f.nodes.get(joined.node.id);
  REQUIRE(stored.isOk());
  CHECK(stored->status == "degraded");
  CHECK(stored->load == report.load);
  CHECK(stored->k3s == report.k3s);
  CHECK(stored->lastSeenAtMillis == std::optional<int64_t>(f.clock.nowUnixMillis()));
}

TEST_CASE("NodeRegistry::sweepLost: ready nodes that miss 3 heartbeats are lost until they return",
          "[state][nodes]") {
  HeadStateFixture f;
  auto automatic = f.createToken();
  auto pending = f.createToken(pendingSpec());
  auto ready = f.mustJoin(automatic.token, "machine-r", "ready-node");
  auto waiting = f.mustJoin(pending.token, "machine-p", "pending-node");

  f.clock.advance(3 * kHeartbeatInterval);
  CHECK(f.nodes.sweepLost(kHeartbeatInterval).value() == 0);  // exactly 3 intervals: not yet
  CHECK(f.nodes.get(ready.node.id)->state == "ready");

  f.clock.advance(1ms);
  CHECK(f.nodes.sweepLost(kHeartbeatInterval).value() == 1);
  CHECK(f.nodes.get(ready.node.id)->state == "lost");
  CHECK(f.nodes.get(waiting.node.id)->state == "pending");  // pending nodes are never swept
  auto lostEvents = f.events("node.lost");
  REQUIRE(lostEvents.size() == 1);
  CHECK(lostEvents[0].nodeId == std::optional<std::string>(ready.node.id));
  CHECK(lostEvents[0].actor == "system");
  CHECK(f.nodes.counts()->lost == 1);

  // A lost node is not reported again by the next sweep.
  f.clock.advance(1min);
  CHECK(f.nodes.sweepLost(kHeartbeatInterval).value() == 0);
  CHECK(f.events("node.lost").size() == 1);

  auto back = f.nodes.heartbeat(ready.node.id, ready.node.certSha256, {});
  REQUIRE(back.isOk());
  CHECK(back->state == "ready");
  CHECK(f.nodes.get(ready.node.id)->state == "ready");
  auto recovered = f.events("node.recovered");
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].nodeId == std::optional<std::string>(ready.node.id));
  CHECK(f.nodes.sweepLost(kHeartbeatInterval).value() == 0);

  // A heartbeat from a node that is not lost records no recovery.
  REQUIRE(f.nodes.heartbeat(ready.node.id, ready.node.certSha256, {}).isOk());
  CHECK(f.events("node.recovered").size() == 1);
}

TEST_CASE("NodeRegistry::heartbeat asks for the inventory only when its hash changed and none was sent",
          "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken();
  JoinApplication app = HeadStateFixture::application(created.token, "machine-1", "worker");
  app.inventory = {{"host", {{"hostname", "worker"}}}, {"cpus", 8}};
  auto joined = f.nodes.join(app);
  REQUIRE(joined.isOk());
  const std::string id = joined->node.id;
  const std::string cert = joined->node.certSha256;
  const std::string storedHash = sha256Hex(app.inventory.dump());

  auto beat = [&](std::string hash, nlohmann::json inventory = nullptr) {
    HeartbeatReport report;
    report.inventoryHash = std::move(hash);
    report.inventory = std::move(inventory);
    auto outcome = f.nodes.heartbeat(id, cert, report);
    REQUIRE(outcome.isOk());
    return outcome->sendInventory;
  };

  CHECK_FALSE(beat(storedHash));        // unchanged
  CHECK_FALSE(beat(""));                // agent did not say
  CHECK(beat("different-hash"));        // changed, not sent: ask for it
  CHECK(beat("different-hash"));        // still not sent: keep asking

  nlohmann::json newInventory = {{"host", {{"hostname", "worker"}}}, {"cpus", 16}};
  const std::string newHash = sha256Hex(newInventory.dump());
  CHECK_FALSE(beat(newHash, newInventory));  // sent with the heartbeat
  auto stored = f.nodes.get(id);
  REQUIRE(stored.isOk());
  CHECK(stored->inventory == newInventory);
  CHECK(stored->inventoryHash == newHash);
  CHECK_FALSE(beat(newHash));
  CHECK(beat(storedHash));  // the old hash is now the different one
}

TEST_CASE("NodeRegistry::remove: the node is gone and its heartbeats are not found", "[state][nodes]") {
  HeadStateFixture f;
  auto created = f.createToken();
  auto joined = f.mustJoin(created.token, "machine-1", "worker");

  REQUIRE(f.nodes.remove(joined.node.id, "admin").isOk());
  CHECK(f.nodes.get(joined.node.id).status().code() == ErrorCode::kNotFound);
  CHECK(f.nodeCount() == 0);
  CHECK(f.nodes.heartbeat(joined.node.id, joined.node.certSha256, {}).status().code() == ErrorCode::kNotFound);
  auto removed = f.events("node.removed");
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].nodeId == std::optional<std::string>(joined.node.id));
  CHECK(removed[0].actor == "admin");

  CHECK(f.nodes.remove(joined.node.id, "admin").code() == ErrorCode::kNotFound);

  // The machine can join again, as a new node.
  auto back = f.mustJoin(created.token, "machine-1", "worker");
  CHECK_FALSE(back.rejoined);
  CHECK(back.node.id != joined.node.id);
}

TEST_CASE("validateMachineId and normaliseNodeName", "[state][nodes]") {
  CHECK(validateMachineId("0123456789abcdef0123456789abcdef").isOk());
  CHECK(validateMachineId("Host_1.example-x").isOk());
  CHECK(validateMachineId(std::string(128, 'm')).isOk());
  CHECK(validateMachineId(std::string(129, 'm')).code() == ErrorCode::kInvalidArgument);
  CHECK(validateMachineId("").code() == ErrorCode::kInvalidArgument);
  CHECK(validateMachineId("a b").code() == ErrorCode::kInvalidArgument);

  CHECK(normaliseNodeName("Worker-01.Rack4").value() == "worker-01.rack4");
  CHECK(normaliseNodeName(std::string(63, 'n')).isOk());
  CHECK(normaliseNodeName(std::string(64, 'n')).status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(normaliseNodeName("bad_name").status().message(), Contains("'bad_name'"));
}

}  // namespace
}  // namespace floe::appliance
