#include "floe/token/join_token.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "floe/common/crypto.h"

namespace floe::token {
namespace {

using Catch::Matchers::Contains;

const std::string kCaHash = sha256Hex("a CA certificate's DER bytes");
constexpr std::string_view kId = "ab12cd";
constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

std::string tokenText(std::string_view caHash = kCaHash, std::string_view id = kId,
                      std::string_view secret = kSecret) {
  return std::string(kTokenPrefix) + std::string(caHash) + "-" + std::string(id) + "." +
         std::string(secret);
}

bool isLowerHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST_CASE("JoinToken: format and parse round-trip", "[token]") {
  JoinToken original{kCaHash, std::string(kId), std::string(kSecret)};
  std::string text = original.format();
  CHECK(text == tokenText());

  auto parsed = parseJoinToken(text);
  REQUIRE(parsed.isOk());
  CHECK(parsed->caSha256 == original.caSha256);
  CHECK(parsed->id == original.id);
  CHECK(parsed->secret == original.secret);
  CHECK(parsed->format() == text);
}

TEST_CASE("generateJoinToken: 6-char [a-z0-9] id, 32-hex secret, fresh every call", "[token]") {
  std::set<std::string> ids;
  std::set<std::string> secrets;
  for (int i = 0; i < 20; ++i) {
    auto generated = generateJoinToken(kCaHash);
    REQUIRE(generated.isOk());
    CHECK(generated->caSha256 == kCaHash);
    REQUIRE(generated->id.size() == kIdLength);
    CHECK(std::all_of(generated->id.begin(), generated->id.end(),
                      [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }));
    REQUIRE(generated->secret.size() == kSecretHexLength);
    CHECK(generated->secret.size() == 32);
    CHECK(isLowerHex(generated->secret));
    // What the agent receives must parse back to the same token.
    auto reparsed = parseJoinToken(generated->format());
    REQUIRE(reparsed.isOk());
    CHECK(reparsed->secret == generated->secret);
    ids.insert(generated->id);
    secrets.insert(generated->secret);
  }
  CHECK(secrets.size() == 20);
  // 36^6 ids: 20 draws colliding is a one-in-a-hundred-thousand event.
  CHECK(ids.size() == 20);
}

TEST_CASE("generateJoinToken: refuses a CA hash that is not 64 lowercase hex", "[token]") {
  CHECK(generateJoinToken("abc").status().code() == ErrorCode::kInvalidArgument);
  std::string upper = kCaHash;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  CHECK(generateJoinToken(upper).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("parseJoinToken: rejects each malformed part and names it", "[token]") {
  std::string upperHash = kCaHash;
  std::transform(upperHash.begin(), upperHash.end(), upperHash.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  REQUIRE(upperHash != kCaHash);

  struct Case {
    const char* what;
    std::string text;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"missing prefix", tokenText().substr(kTokenPrefix.size()), "missing FLOE1- prefix"},
      {"wrong prefix", "FLOE2-" + tokenText().substr(kTokenPrefix.size()), "missing FLOE1- prefix"},
      {"lowercase prefix", "floe1-" + tokenText().substr(kTokenPrefix.size()), "missing FLOE1- prefix"},
      {"short CA hash", tokenText(kCaHash.substr(0, 63)), "not 64 characters"},
      {"uppercase CA hash", tokenText(upperHash), "not lowercase hex"},
      {"non-hex CA hash", tokenText(std::string(64, 'g')), "not lowercase hex"},
      {"missing dot", std::string(kTokenPrefix) + kCaHash + "-" + std::string(kId) + std::string(kSecret),
       "missing '.'"},
      {"short id", tokenText(kCaHash, "ab12c"), "the id must be 6 characters"},
      {"long id", tokenText(kCaHash, "ab12cde"), "the id must be 6 characters"},
      {"uppercase id", tokenText(kCaHash, "AB12CD"), "the id must be 6 characters"},
      {"id with punctuation", tokenText(kCaHash, "ab-2cd"), "the id must be 6 characters"},
      {"short secret", tokenText(kCaHash, kId, kSecret.substr(0, 31)), "the secret must be 32"},
      {"long secret", tokenText(kCaHash, kId, std::string(kSecret) + "0"), "the secret must be 32"},
      {"uppercase secret", tokenText(kCaHash, kId, "0123456789ABCDEF0123456789ABCDEF"), "the secret must be 32"},
      {"empty", "", "missing FLOE1- prefix"},
      {"prefix only", std::string(kTokenPrefix), "not 64 characters"},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.text);
    auto parsed = parseJoinToken(c.text);
    REQUIRE_FALSE(parsed.isOk());
    CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Contains("malformed join token"));
    CHECK_THAT(parsed.status().message(), Contains(c.reason));
  }
}

TEST_CASE("parseJoinToken: error messages never contain the secret", "[token][security]") {
  // A distinctive secret so a leak cannot hide among the CA hash's hex digits.
  const std::string secret = "5ec4e75ec4e75ec4e75ec4e75ec4e700";
  const std::vector<std::string> malformed = {
      tokenText(kCaHash, "ab12c", secret),                 // bad id
      tokenText(kCaHash, "AB12CD", secret),                // bad id characters
      tokenText(kCaHash, kId, secret.substr(0, 30)),       // short secret
      tokenText(kCaHash, kId, secret + "ff"),              // long secret
      tokenText(kCaHash.substr(0, 60), kId, secret),       // short CA hash
      "FLOE2-" + tokenText(kCaHash, kId, secret).substr(6),  // wrong prefix
  };
  for (const auto& text : malformed) {
    auto parsed = parseJoinToken(text);
    REQUIRE_FALSE(parsed.isOk());
    CHECK_THAT(parsed.status().message(), !Contains(secret.substr(0, 16)));
    CHECK_THAT(parsed.status().toString(), !Contains(secret.substr(0, 16)));
  }
}

TEST_CASE("hashSecret/secretMatches: only the right secret matches the stored hash", "[token]") {
  const std::string stored = hashSecret(kSecret);
  CHECK(stored.size() == 64);
  CHECK(stored == sha256Hex(kSecret));
  CHECK(stored.find(kSecret) == std::string::npos);

  CHECK(secretMatches(kSecret, stored));
  CHECK_FALSE(secretMatches("0123456789abcdef0123456789abcdee", stored));
  CHECK_FALSE(secretMatches("", stored));
  CHECK_FALSE(secretMatches(kSecret, ""));
  // Presenting the stored hash itself is not the secret.
  CHECK_FALSE(secretMatches(stored, stored));
}

TEST_CASE("JoinToken::redacted keeps the id and hides the secret", "[token][security]") {
  JoinToken joinToken = generateJoinToken(kCaHash).value();
  std::string redacted = joinToken.redacted();
  CHECK_THAT(redacted, !Contains(joinToken.secret));
  CHECK_THAT(redacted, Contains(joinToken.id));
  CHECK_THAT(redacted, Contains("<redacted>"));
  CHECK(redacted.rfind(std::string(kTokenPrefix) + kCaHash.substr(0, 12), 0) == 0);
}

}  // namespace
}  // namespace floe::token
