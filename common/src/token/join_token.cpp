#include "floe/token/join_token.h"

#include <algorithm>

#include "floe/common/crypto.h"

namespace floe::token {
namespace {

constexpr std::string_view kIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kCaHashLength = 64;

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isIdCharacter(char c) { return kIdAlphabet.find(c) != std::string_view::npos; }

}  // namespace

std::string JoinToken::format() const {
  return std::string(kTokenPrefix) + caSha256 + "-" + id + "." + secret;
}

std::string JoinToken::redacted() const {
  return std::string(kTokenPrefix) + caSha256.substr(0, 12) + "…-" + id + ".<redacted>";
}

Result<JoinToken> generateJoinToken(std::string_view caSha256) {
  if (caSha256.size() != kCaHashLength || !isLowerHex(caSha256)) {
    return invalidArgument("CA hash must be 64 lowercase hex characters");
  }
  FLOE_ASSIGN_OR_RETURN(std::string idBytes, secureRandomBytes(kIdLength));
  std::string id;
  for (unsigned char b : idBytes) {
    // 256 % 36 != 0 leaves a slight bias; the id is a lookup key, not a secret, so it is harmless.
    id.push_back(kIdAlphabet[b % kIdAlphabet.size()]);
  }
  FLOE_ASSIGN_OR_RETURN(std::string secret, secureRandomHex(kSecretBytes));
  return JoinToken{std::string(caSha256), std::move(id), std::move(secret)};
}

Result<JoinToken> parseJoinToken(std::string_view text) {
  auto bad = [](std::string_view why) {
    return invalidArgument("malformed join token: " + std::string(why) +
                           " (expected FLOE1-<64 hex>-<6 char id>.<secret>)");
  };
  if (text.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad("missing FLOE1- prefix");
  std::string_view rest = text.substr(kTokenPrefix.size());
  if (rest.size() < kCaHashLength + 1 || rest[kCaHashLength] != '-') {
    return bad("the CA hash is not 64 characters followed by '-'");
  }
  std::string_view caHash = rest.substr(0, kCaHashLength);
  if (!isLowerHex(caHash)) return bad("the CA hash is not lowercase hex");
  std::string_view credential = rest.substr(kCaHashLength + 1);
  size_t dot = credential.find('.');
  if (dot == std::string_view::npos) return bad("missing '.' between id and secret");
  std::string_view id = credential.substr(0, dot);
  std::string_view secret = credential.substr(dot + 1);
  if (id.size() != kIdLength || !std::all_of(id.begin(), id.end(), isIdCharacter)) {
    return bad("the id must be 6 characters a-z, 0-9");
  }
  if (secret.size() != kSecretHexLength || !isLowerHex(secret)) {
    return bad("the secret must be 32 lowercase hex characters");
  }
  return JoinToken{std::string(caHash), std::string(id), std::string(secret)};
}

std::string hashSecret(std::string_view secret) { return sha256Hex(secret); }

bool secretMatches(std::string_view secret, std::string_view storedHash) {
  return constantTimeEquals(hashSecret(secret), storedHash);
}

}  // namespace floe::token
