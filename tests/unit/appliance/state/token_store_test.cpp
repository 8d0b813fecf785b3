#include "state/token_store.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "../../support/head_state_fixture.h"

namespace floe::appliance {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using testing::HeadStateFixture;

TokenSpec specWithTtl(std::chrono::seconds ttl) {
  TokenSpec spec;
  spec.ttl = ttl;
  return spec;
}

std::string storedSecretHash(Store& store, const std::string& id) {
  auto hash = store.read([&](sqlite::Database& db) -> Result<std::string> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT secret_hash FROM tokens WHERE id = ?"));
    select.bind(1, std::string_view(id));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return notFound(id);
    return select.columnText(0);
  });
  REQUIRE(hash.isOk());
  return *hash;
}

TEST_CASE("validateTokenSpec: TTL bounds, max uses, labels, description", "[state][tokens]") {
  CHECK(validateTokenSpec(TokenSpec{}).isOk());  // the defaults are valid
  CHECK(validateTokenSpec(specWithTtl(60s)).isOk());
  CHECK(validateTokenSpec(specWithTtl(kMaxTokenTtl)).isOk());

  Status tooShort = validateTokenSpec(specWithTtl(59s));
  CHECK(tooShort.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(tooShort.message(), Contains("between 60 seconds and 365 days"));
  CHECK(validateTokenSpec(specWithTtl(0s)).code() == ErrorCode::kInvalidArgument);
  CHECK(validateTokenSpec(specWithTtl(-60s)).code() == ErrorCode::kInvalidArgument);
  CHECK(validateTokenSpec(specWithTtl(kMaxTokenTtl + 1s)).code() == ErrorCode::kInvalidArgument);

  TokenSpec uses;
  uses.maxUses = 1;
  CHECK(validateTokenSpec(uses).isOk());
  uses.maxUses = 0;
  CHECK(validateTokenSpec(uses).code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(validateTokenSpec(uses).message(), Contains("at least 1"));
  uses.maxUses = -3;
  CHECK(validateTokenSpec(uses).code() == ErrorCode::kInvalidArgument);

  TokenSpec labels;
  labels.labels = {{"floe.io/gpu", "true"}, {"zone", ""}};
  CHECK(validateTokenSpec(labels).isOk());
  labels.labels = {{"-bad", "x"}};
  CHECK(validateTokenSpec(labels).code() == ErrorCode::kInvalidArgument);
  labels.labels = {{"zone", "has space"}};
  CHECK(validateTokenSpec(labels).code() == ErrorCode::kInvalidArgument);

  TokenSpec description;
  description.description = std::string(256, 'd');
  CHECK(validateTokenSpec(description).isOk());
  description.description = std::string(257, 'd');
  CHECK(validateTokenSpec(description).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("TokenStore::create stores the id and the secret's hash, never the secret", "[state][tokens]") {
  HeadStateFixture f;
  TokenSpec spec;
  spec.ttl = 2h;
  spec.maxUses = 3;
  spec.labels = {{"zone", "a"}};
  spec.pending = true;
  spec.description = "rack 4";
  auto created = f.tokens.create(spec, "admin");
  REQUIRE(created.isOk());

  const TokenRecord& record = created->record;
  const token::JoinToken& joinToken = created->token;
  CHECK(record.id == joinToken.id);
  CHECK(joinToken.caSha256 == f.caSha256);
  CHECK(token::parseJoinToken(joinToken.format()).isOk());
  CHECK(record.createdAtMillis == f.clock.nowUnixMillis());
  CHECK(record.expiresAtMillis == f.clock.nowUnixMillis() + 2 * 3600 * 1000);
  CHECK(record.maxUses == std::optional<int64_t>(3));
  CHECK(record.uses == 0);
  CHECK(record.labels == Labels{{"zone", "a"}});
  CHECK(record.pending);
  CHECK(record.description == "rack 4");
  CHECK_FALSE(record.revokedAtMillis.has_value());
  CHECK(record.stateAt(f.clock.nowUnixMillis()) == "active");

  std::string storedHash = storedSecretHash(*f.store, record.id);
  CHECK(storedHash == token::hashSecret(joinToken.secret));
  CHECK(storedHash != joinToken.secret);

  auto events = f.events("token.created");
  REQUIRE(events.size() == 1);
  CHECK(events[0].tokenId == std::optional<std::string>(record.id));
  CHECK(events[0].actor == "admin");
  CHECK_THAT(events[0].message, !Contains(joinToken.secret));
}

TEST_CASE("TokenStore::create refuses an invalid spec and stores nothing", "[state][tokens]") {
  HeadStateFixture f;
  auto created = f.tokens.create(specWithTtl(10s), "admin");
  REQUIRE_FALSE(created.isOk());
  CHECK(created.status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.tokens.list().value().empty());
  CHECK(f.events().empty());
}

TEST_CASE("TokenStore::list returns every token, newest first", "[state][tokens]") {
  HeadStateFixture f;
  auto first = f.createToken();
  f.clock.advance(1s);
  auto second = f.createToken();
  f.clock.advance(1s);
  auto third = f.createToken();

  auto listed = f.tokens.list();
  REQUIRE(listed.isOk());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].id == third.record.id);
  CHECK((*listed)[1].id == second.record.id);
  CHECK((*listed)[2].id == first.record.id);
}

TEST_CASE("TokenStore::revoke: revoked once, idempotent, unknown id is not found", "[state][tokens]") {
  HeadStateFixture f;
  auto created = f.createToken();
  const int64_t revokedAt = f.clock.nowUnixMillis() + 5000;
  f.clock.advance(5s);

  auto revoked = f.tokens.revoke(created.record.id, "admin");
  REQUIRE(revoked.isOk());
  CHECK(revoked->revokedAtMillis == std::optional<int64_t>(revokedAt));
  CHECK(revoked->stateAt(f.clock.nowUnixMillis()) == "revoked");
  CHECK(f.tokenRecord(created.record.id).stateAt(f.clock.nowUnixMillis()) == "revoked");

  f.clock.advance(5s);
  auto again = f.tokens.revoke(created.record.id, "admin");
  REQUIRE(again.isOk());
  CHECK(again->revokedAtMillis == std::optional<int64_t>(revokedAt));  // unchanged
  CHECK(f.events("token.revoked").size() == 1);

  auto unknown = f.tokens.revoke("zzzzzz", "admin");
  REQUIRE_FALSE(unknown.isOk());
  CHECK(unknown.status().code() == ErrorCode::kNotFound);
  CHECK_THAT(unknown.status().message(), Contains("zzzzzz"));
}

TEST_CASE("TokenRecord::stateAt: active, expired, used_up, revoked", "[state][tokens]") {
  TokenRecord record;
  record.createdAtMillis = 1'000'000;
  record.expiresAtMillis = 2'000'000;

  CHECK(record.stateAt(1'000'000) == "active");
  CHECK(record.stateAt(1'999'999) == "active");
  CHECK(record.stateAt(2'000'000) == "expired");  // the expiry instant is already expired

  record.maxUses = 2;
  record.uses = 1;
  CHECK(record.stateAt(1'500'000) == "active");
  record.uses = 2;
  CHECK(record.stateAt(1'500'000) == "used_up");
  CHECK(record.stateAt(2'500'000) == "expired");  // expiry outranks used up

  record.revokedAtMillis = 1'200'000;
  CHECK(record.stateAt(1'500'000) == "revoked");  // revocation outranks everything
  CHECK(record.stateAt(2'500'000) == "revoked");
}

TEST_CASE("TokenRecord::stateAt follows the clock from creation to expiry", "[state][tokens]") {
  HeadStateFixture f;
  auto created = f.createToken(specWithTtl(60s));
  CHECK(f.tokenRecord(created.record.id).stateAt(f.clock.nowUnixMillis()) == "active");
  f.clock.advance(59'999ms);
  CHECK(f.tokenRecord(created.record.id).stateAt(f.clock.nowUnixMillis()) == "active");
  f.clock.advance(1ms);
  CHECK(f.tokenRecord(created.record.id).stateAt(f.clock.nowUnixMillis()) == "expired");
}

}  // namespace
}  // namespace floe::appliance
