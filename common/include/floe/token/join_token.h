// The join token a worker pastes: FLOE1-<sha256 hex of CA DER>-<id>.<secret>
//
// The CA hash lets the agent pin the head's CA before it trusts anything the head
// says (no trust on first use); the id finds the stored token; the secret proves
// possession and is stored only as its SHA-256.
#pragma once

#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::token {

inline constexpr std::string_view kTokenPrefix = "FLOE1-";
inline constexpr size_t kIdLength = 6;
inline constexpr size_t kSecretBytes = 16;  // 128 bits from the CSPRNG
inline constexpr size_t kSecretHexLength = kSecretBytes * 2;

struct JoinToken {
  std::string caSha256;  // 64 lowercase hex characters
  std::string id;        // 6 characters [a-z0-9]
  std::string secret;    // 32 lowercase hex characters

  // The full text; it contains the secret, so never log it.
  std::string format() const;
  // Safe to log: prefix, CA hash and id only.
  std::string redacted() const;
};

// A new token with fresh random id and secret, pinned to `caSha256`.
Result<JoinToken> generateJoinToken(std::string_view caSha256);

// Parses and checks the shape; says exactly which part is wrong without echoing the secret.
Result<JoinToken> parseJoinToken(std::string_view text);

// What the head stores instead of the secret.
std::string hashSecret(std::string_view secret);

// Constant-time check of a presented secret against the stored hash.
bool secretMatches(std::string_view secret, std::string_view storedHash);

}  // namespace floe::token
