// Argon2id through Debian's libargon2: real hashes, no mocks.
#include "console/password_hasher.h"

#include <catch2/catch.hpp>

#include <set>

namespace floe::appliance::console {
namespace {

using Catch::Matchers::StartsWith;

TEST_CASE("a password hashed with Argon2id verifies and a wrong one does not", "[console][password]") {
  auto hash = hashPassword("correct horse battery staple");
  REQUIRE(hash.isOk());
  CHECK_THAT(*hash, StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  CHECK(verifyPassword(*hash, "correct horse battery staple"));
  CHECK_FALSE(verifyPassword(*hash, "correct horse battery stapl"));
  CHECK_FALSE(verifyPassword(*hash, ""));
}

TEST_CASE("each hash has its own salt", "[console][password]") {
  auto first = hashPassword("same password");
  auto second = hashPassword("same password");
  REQUIRE(first.isOk());
  REQUIRE(second.isOk());
  CHECK(*first != *second);
  CHECK(verifyPassword(*second, "same password"));
}

TEST_CASE("a malformed or foreign hash never verifies", "[console][password]") {
  CHECK_FALSE(verifyPassword("", "x"));
  CHECK_FALSE(verifyPassword("$argon2id$v=19$m=19456,t=2,p=1$bm90IGEgaGFzaA", "x"));
  CHECK_FALSE(verifyPassword("$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A",
                             "password"));
  CHECK_FALSE(verifyPassword("plaintext-password", "plaintext-password"));
}

TEST_CASE("an oversized password is refused instead of hashed", "[console][password]") {
  std::string huge(4096, 'a');
  CHECK_FALSE(hashPassword(huge).isOk());
  auto hash = hashPassword("short enough");
  REQUIRE(hash.isOk());
  CHECK_FALSE(verifyPassword(*hash, huge));
}

TEST_CASE("new passwords need at least 10 characters", "[console][password]") {
  CHECK(checkNewPassword("123456789").code() == ErrorCode::kInvalidArgument);
  CHECK(checkNewPassword("1234567890").isOk());
}

TEST_CASE("generated passwords are 20 characters without look-alikes, and differ", "[console][password]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto password = generatePassword();
    REQUIRE(password.isOk());
    CHECK(password->size() == 20);
    CHECK(password->find_first_of("0O1lI") == std::string::npos);
    seen.insert(*password);
  }
  CHECK(seen.size() == 50);
}

}  // namespace
}  // namespace floe::appliance::console
