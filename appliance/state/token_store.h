// Join tokens: created by an admin, presented by a worker once per join.
// Only the id and SHA-256 of the secret are stored; the full token is shown once.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/sqlite/database.h"
#include "floe/token/join_token.h"
#include "state/store.h"

namespace floe::appliance {

using Labels = std::map<std::string, std::string>;

struct TokenSpec {
  std::chrono::seconds ttl{24 * 3600};
  std::optional<int64_t> maxUses;
  Labels labels;
  bool pending = false;  // nodes joining with it wait for approval
  std::string description;
};

struct TokenRecord {
  std::string id;
  std::string description;
  int64_t createdAtMillis = 0;
  int64_t expiresAtMillis = 0;
  std::optional<int64_t> maxUses;
  int64_t uses = 0;
  Labels labels;
  bool pending = false;
  std::optional<int64_t> revokedAtMillis;

  // active | expired | revoked | used_up, as of `nowMillis`.
  std::string stateAt(int64_t nowMillis) const;
};

struct CreatedToken {
  TokenRecord record;
  token::JoinToken token;  // carries the secret: return it to the admin, never log it
};

inline constexpr std::chrono::seconds kMinTokenTtl{60};
inline constexpr std::chrono::seconds kMaxTokenTtl{365 * 24 * 3600};

// Checks ttl bounds, max uses, label syntax and description length.
Status validateTokenSpec(const TokenSpec& spec);

class TokenStore {
 public:
  TokenStore(Store& store, const Clock& clock, std::string caSha256)
      : store_(store), clock_(clock), caSha256_(std::move(caSha256)) {}

  Result<CreatedToken> create(const TokenSpec& spec, const std::string& actor);
  Result<std::vector<TokenRecord>> list();
  Result<TokenRecord> revoke(const std::string& id, const std::string& actor);

  // Inside a join transaction: checks the presented token and counts one use.
  // Every refusal is kUnauthenticated with a message that names the reason but
  // never the secret.
  //
  // `retryBySameMachine`: the machine already joined with this very token (its answer may
  // have been lost on the way back). The token must still be valid and unrevoked, but the
  // retry neither needs nor consumes a use, so a single-use token can be re-presented.
  static Result<TokenRecord> redeem(sqlite::Database& db, const token::JoinToken& presented,
                                    std::string_view expectedCaSha256, int64_t nowMillis,
                                    bool retryBySameMachine = false);

 private:
  Store& store_;
  const Clock& clock_;
  std::string caSha256_;
};

}  // namespace floe::appliance
