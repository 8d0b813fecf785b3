#include "floe/pki/certificate_request.h"

#include <catch2/catch.hpp>

#include "floe/pki/private_key.h"
#include "pki_test_support.h"

namespace floe::pki {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("CertificateRequest: create, PEM round trip and validate", "[pki]") {
  auto key = PrivateKey::generateEcP256().value();
  auto csr = CertificateRequest::create(key, "node-1");
  REQUIRE(csr.isOk());
  CHECK(csr->commonName() == "node-1");
  CHECK(csr->publicKeyAlgorithmDescription() == "EC P-256");
  CHECK(csr->validateForClientCertificate().isOk());

  auto pem = csr->toPem();
  REQUIRE(pem.isOk());
  CHECK(pem->rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
  auto parsed = CertificateRequest::fromPem(*pem);
  REQUIRE(parsed.isOk());
  CHECK(parsed->commonName() == "node-1");
  CHECK(parsed->validateForClientCertificate().isOk());
  CHECK(parsed->toPem().value() == *pem);
}

TEST_CASE("CertificateRequest: create rejects an empty or oversized common name", "[pki]") {
  auto key = PrivateKey::generateEcP256().value();
  CHECK(CertificateRequest::create(key, "").status().code() == ErrorCode::kInvalidArgument);
  CHECK(CertificateRequest::create(key, std::string(65, 'a')).status().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("CertificateRequest: fromPem rejects garbage", "[pki]") {
  auto empty = CertificateRequest::fromPem("");
  CHECK(empty.status().code() == ErrorCode::kInvalidArgument);
  auto garbage = CertificateRequest::fromPem("hello");
  REQUIRE_FALSE(garbage.isOk());
  CHECK(garbage.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(garbage.status().message(), Contains("certificate request"));
}

TEST_CASE("CertificateRequest: RSA keys below 2048 bits are rejected", "[pki]") {
  auto csr = CertificateRequest::create(testing::rsaKey(1024), "weak-node");
  REQUIRE(csr.isOk());
  Status status = csr->validateForClientCertificate();
  CHECK(status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(status.message(), Contains("RSA key of 1024 bits; need at least 2048"));
}

TEST_CASE("CertificateRequest: RSA 2048 keys are accepted", "[pki]") {
  auto csr = CertificateRequest::create(testing::rsaKey(2048), "rsa-node");
  REQUIRE(csr.isOk());
  CHECK(csr->publicKeyAlgorithmDescription() == "RSA 2048 bits");
  CHECK(csr->validateForClientCertificate().isOk());
}

TEST_CASE("CertificateRequest: EC keys on other curves are rejected", "[pki]") {
  testing::EvpPkeyPtr p384(EVP_EC_gen("P-384"));
  REQUIRE(p384);
  auto csr = CertificateRequest::fromPem(testing::buildCsrPem(p384.get(), p384.get(), "p384-node"));
  REQUIRE(csr.isOk());
  Status status = csr->validateForClientCertificate();
  CHECK(status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(status.message(), Contains("secp384r1"));
  CHECK_THAT(status.message(), Contains("need P-256"));
}

TEST_CASE("CertificateRequest: a tampered CSR fails signature verification", "[pki]") {
  auto key = PrivateKey::generateEcP256().value();
  std::string pem = CertificateRequest::create(key, "node-aaaa").value().toPem().value();
  std::string tamperedPem = testing::tamperCsrPem(pem, "node-aaaa", "node-bbbb");
  REQUIRE(tamperedPem != pem);

  auto tampered = CertificateRequest::fromPem(tamperedPem);
  REQUIRE(tampered.isOk());
  CHECK(tampered->commonName() == "node-bbbb");
  Status status = tampered->validateForClientCertificate();
  CHECK(status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(status.message(), Contains("signature does not verify"));
}

TEST_CASE("CertificateRequest: a CSR signed by a key other than its own is rejected", "[pki]") {
  auto claimed = PrivateKey::generateEcP256().value();
  auto signer = PrivateKey::generateEcP256().value();
  auto csr = CertificateRequest::fromPem(testing::buildCsrPem(claimed.get(), signer.get(), "node"));
  REQUIRE(csr.isOk());
  CHECK_THAT(csr->validateForClientCertificate().message(), Contains("signature does not verify"));
}

TEST_CASE("CertificateRequest: requests for CA powers are rejected", "[pki]") {
  auto key = PrivateKey::generateEcP256().value();

  SECTION("basicConstraints CA:TRUE") {
    auto csr = CertificateRequest::fromPem(testing::buildCsrPem(
        key.get(), key.get(), "sneaky", {{NID_basic_constraints, "critical,CA:TRUE"}}));
    REQUIRE(csr.isOk());
    Status status = csr->validateForClientCertificate();
    CHECK(status.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(status.message(), Contains("CA:TRUE"));
  }
  SECTION("keyUsage keyCertSign") {
    auto csr = CertificateRequest::fromPem(testing::buildCsrPem(
        key.get(), key.get(), "sneaky", {{NID_key_usage, "digitalSignature,keyCertSign"}}));
    REQUIRE(csr.isOk());
    Status status = csr->validateForClientCertificate();
    CHECK(status.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(status.message(), Contains("keyCertSign"));
  }
  SECTION("harmless requested extensions are fine") {
    auto csr = CertificateRequest::fromPem(testing::buildCsrPem(
        key.get(), key.get(), "honest",
        {{NID_basic_constraints, "CA:FALSE"}, {NID_key_usage, "digitalSignature"}}));
    REQUIRE(csr.isOk());
    CHECK(csr->validateForClientCertificate().isOk());
  }
}

}  // namespace
}  // namespace floe::pki
