#include "floe/pki/private_key.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include "pki_test_support.h"

namespace floe::pki {
namespace {

TEST_CASE("PrivateKey: generated EC P-256 key round-trips through PKCS#8 PEM", "[pki]") {
  auto key = PrivateKey::generateEcP256();
  REQUIRE(key.isOk());
  CHECK(key->algorithmDescription() == "EC P-256");

  auto pem = key->toPem();
  REQUIRE(pem.isOk());
  CHECK(pem->rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);

  auto reloaded = PrivateKey::fromPem(*pem);
  REQUIRE(reloaded.isOk());
  CHECK(EVP_PKEY_eq(key->get(), reloaded->get()) == 1);
  CHECK(reloaded->toPem().value() == *pem);
  CHECK(reloaded->publicKeyPem().value() == key->publicKeyPem().value());
  CHECK(key->publicKeyPem()->find("BEGIN PUBLIC KEY") != std::string::npos);
}

TEST_CASE("PrivateKey: two generated keys differ", "[pki]") {
  auto a = PrivateKey::generateEcP256();
  auto b = PrivateKey::generateEcP256();
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  CHECK(EVP_PKEY_eq(a->get(), b->get()) != 1);
}

TEST_CASE("PrivateKey: fromPem rejects input that is not a private key", "[pki]") {
  auto empty = PrivateKey::fromPem("");
  REQUIRE_FALSE(empty.isOk());
  CHECK(empty.status().code() == ErrorCode::kInvalidArgument);

  auto garbage = PrivateKey::fromPem("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
  REQUIRE_FALSE(garbage.isOk());
  CHECK(garbage.status().code() == ErrorCode::kInvalidArgument);
  CHECK(garbage.status().message().find("parsing private key PEM") != std::string::npos);

  auto publicOnly = PrivateKey::fromPem(PrivateKey::generateEcP256()->publicKeyPem().value());
  CHECK_FALSE(publicOnly.isOk());
}

TEST_CASE("PrivateKey: RSA keys are described by size", "[pki]") {
  CHECK(testing::rsaKey(2048).algorithmDescription() == "RSA 2048 bits");
}

}  // namespace
}  // namespace floe::pki
