#include "state/token_store.h"

#include "state/event_log.h"
#include "state/labels.h"

namespace floe::appliance {
namespace {

constexpr size_t kMaxDescriptionLength = 256;
constexpr std::string_view kSelectColumns =
    "SELECT id, description, created_at, expires_at, max_uses, uses, labels, pending, revoked_at "
    "FROM tokens ";

Result<TokenRecord> readToken(const sqlite::Statement& row) {
  TokenRecord record;
  record.id = row.columnText(0);
  record.description = row.columnText(1);
  record.createdAtMillis = row.columnInt(2);
  record.expiresAtMillis = row.columnInt(3);
  record.maxUses = row.columnOptionalInt(4);
  record.uses = row.columnInt(5);
  FLOE_ASSIGN_OR_RETURN(record.labels, labelsFromText(row.columnText(6)));
  record.pending = row.columnInt(7) != 0;
  record.revokedAtMillis = row.columnOptionalInt(8);
  return record;
}

Result<std::optional<TokenRecord>> findToken(sqlite::Database& db, std::string_view id) {
  FLOE_ASSIGN_OR_RETURN(auto select, db.prepare(std::string(kSelectColumns) + "WHERE id = ?"));
  select.bind(1, id);
  FLOE_ASSIGN_OR_RETURN(bool row, select.step());
  if (!row) return std::optional<TokenRecord>();
  FLOE_ASSIGN_OR_RETURN(TokenRecord record, readToken(select));
  return std::optional<TokenRecord>(std::move(record));
}

}  // namespace

std::string TokenRecord::stateAt(int64_t nowMillis) const {
  if (revokedAtMillis) return "revoked";
  if (nowMillis >= expiresAtMillis) return "expired";
  if (maxUses && uses >= *maxUses) return "used_up";
  return "active";
}

Status validateTokenSpec(const TokenSpec& spec) {
  if (spec.ttl < kMinTokenTtl || spec.ttl > kMaxTokenTtl) {
    return invalidArgument("token TTL must be between 60 seconds and 365 days, got " +
                           std::to_string(spec.ttl.count()) + " seconds");
  }
  if (spec.maxUses && *spec.maxUses < 1) {
    return invalidArgument("max uses must be at least 1 (omit it for unlimited uses)");
  }
  if (spec.description.size() > kMaxDescriptionLength) {
    return invalidArgument("description must be at most 256 characters");
  }
  return validateLabels(spec.labels);
}

Result<CreatedToken> TokenStore::create(const TokenSpec& spec, const std::string& actor) {
  FLOE_RETURN_IF_ERROR(validateTokenSpec(spec));
  int64_t now = clock_.nowUnixMillis();
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<CreatedToken> {
    // A 6-character id can collide; retry a few times instead of failing the admin.
    for (int attempt = 0; attempt < 5; ++attempt) {
      FLOE_ASSIGN_OR_RETURN(token::JoinToken joinToken, token::generateJoinToken(caSha256_));
      TokenRecord record{joinToken.id, spec.description, now,
                         now + std::chrono::duration_cast<std::chrono::milliseconds>(spec.ttl).count(),
                         spec.maxUses, 0, spec.labels, spec.pending, std::nullopt};
      FLOE_ASSIGN_OR_RETURN(
          auto insert,
          db.prepare("INSERT INTO tokens (id, secret_hash, description, created_at, expires_at, "
                     "max_uses, labels, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      insert.bind(1, std::string_view(record.id))
          .bind(2, std::string_view(token::hashSecret(joinToken.secret)))
          .bind(3, std::string_view(record.description))
          .bind(4, record.createdAtMillis)
          .bind(5, record.expiresAtMillis)
          .bind(6, record.maxUses)
          .bind(7, std::string_view(labelsToJson(record.labels).dump()))
          .bind(8, static_cast<int64_t>(record.pending ? 1 : 0));
      Status inserted = insert.run();
      if (inserted.code() == ErrorCode::kAlreadyExists) continue;
      FLOE_RETURN_IF_ERROR(inserted);
      std::string message = "token created, expires in " + std::to_string(spec.ttl.count()) + "s";
      if (spec.maxUses) message += ", max uses " + std::to_string(*spec.maxUses);
      if (spec.pending) message += ", nodes wait for approval";
      FLOE_RETURN_IF_ERROR(recordEvent(db, {0, now, "token.created", std::nullopt, record.id, actor, message}));
      return CreatedToken{std::move(record), std::move(joinToken)};
    }
    return internalError("could not find an unused token id after 5 attempts");
  });
}

Result<std::vector<TokenRecord>> TokenStore::list() {
  return store_.read([](sqlite::Database& db) -> Result<std::vector<TokenRecord>> {
    FLOE_ASSIGN_OR_RETURN(auto select,
                          db.prepare(std::string(kSelectColumns) + "ORDER BY created_at DESC, id"));
    std::vector<TokenRecord> tokens;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      FLOE_ASSIGN_OR_RETURN(TokenRecord record, readToken(select));
      tokens.push_back(std::move(record));
    }
    return tokens;
  });
}

Result<TokenRecord> TokenStore::revoke(const std::string& id, const std::string& actor) {
  int64_t now = clock_.nowUnixMillis();
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<TokenRecord> {
    FLOE_ASSIGN_OR_RETURN(auto existing, findToken(db, id));
    if (!existing) return notFound("no token with id '" + id + "'");
    if (existing->revokedAtMillis) return *existing;  // revoking twice changes nothing
    FLOE_ASSIGN_OR_RETURN(auto update, db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ?"));
    FLOE_RETURN_IF_ERROR(update.bind(1, now).bind(2, std::string_view(id)).run());
    FLOE_RETURN_IF_ERROR(recordEvent(db, {0, now, "token.revoked", std::nullopt, id, actor, "token revoked"}));
    existing->revokedAtMillis = now;
    return *existing;
  });
}

Result<TokenRecord> TokenStore::redeem(sqlite::Database& db, const token::JoinToken& presented,
                                       std::string_view expectedCaSha256, int64_t nowMillis,
                                       bool retryBySameMachine) {
  if (presented.caSha256 != expectedCaSha256) {
    return unauthenticated("the token was made for another cluster (its CA hash does not match "
                           "this head's CA); create a token on this head with 'floe token create'");
  }
  FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT secret_hash FROM tokens WHERE id = ?"));
  select.bind(1, std::string_view(presented.id));
  FLOE_ASSIGN_OR_RETURN(bool row, select.step());
  // Unknown id and wrong secret get the same answer, so ids cannot be probed.
  if (!row || !token::secretMatches(presented.secret, select.columnText(0))) {
    return unauthenticated("unknown token or wrong secret");
  }
  FLOE_ASSIGN_OR_RETURN(auto existing, findToken(db, presented.id));
  if (!existing) return unauthenticated("unknown token or wrong secret");
  std::string state = existing->stateAt(nowMillis);
  if (state == "revoked") return unauthenticated("token " + presented.id + " was revoked");
  if (state == "expired") return unauthenticated("token " + presented.id + " has expired");
  if (retryBySameMachine && state == "used_up") return *existing;
  if (state == "used_up") {
    return unauthenticated("token " + presented.id + " has been used its maximum " +
                           std::to_string(existing->maxUses.value_or(0)) + " times");
  }
  if (retryBySameMachine) return *existing;
  FLOE_ASSIGN_OR_RETURN(auto update, db.prepare("UPDATE tokens SET uses = uses + 1 WHERE id = ?"));
  FLOE_RETURN_IF_ERROR(update.bind(1, std::string_view(presented.id)).run());
  existing->uses += 1;
  return *existing;
}

}  // namespace floe::appliance
