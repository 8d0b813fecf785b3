#include "floe/pki/certificate_authority.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include "pki_test_support.h"

namespace floe::pki {
namespace {

using Catch::Matchers::Contains;
using namespace std::chrono_literals;
using testing::kNow;

constexpr auto kCaValidity = std::chrono::seconds(10 * 365 * 24h);
constexpr auto kLeafValidity = std::chrono::seconds(24h * 90);
constexpr int64_t kSkew = 300;

CertificateAuthority newCa(std::string_view name = "floe cluster CA") {
  return CertificateAuthority::create(name, kNow, kCaValidity).value();
}

std::string independentDerSha256(X509* cert) {
  unsigned char* der = nullptr;
  int length = i2d_X509(cert, &der);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestLength = 0;
  EVP_Digest(der, static_cast<size_t>(length), digest, &digestLength, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < digestLength; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

TEST_CASE("CertificateAuthority: create makes a self-signed P-256 CA", "[pki]") {
  auto ca = CertificateAuthority::create("floe cluster CA", kNow, kCaValidity);
  REQUIRE(ca.isOk());
  const Certificate& cert = ca->certificate();
  CHECK(cert.isCa());
  CHECK(cert.commonName() == "floe cluster CA");
  CHECK(cert.notBeforeUnix() == kNow - kSkew);
  CHECK(cert.notAfterUnix() == kNow + kCaValidity.count());
  CHECK(ca->key().algorithmDescription() == "EC P-256");
  CHECK(X509_check_private_key(cert.get(), ca->key().get()) == 1);
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  // Critical basicConstraints with pathlen 0, and keyUsage limited to signing.
  CHECK(X509_get_pathlen(cert.get()) == 0);
  CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);
  CHECK(verifyCertificateChain(cert, cert, kNow).isOk());
}

TEST_CASE("CertificateAuthority: create rejects bad arguments", "[pki]") {
  CHECK(CertificateAuthority::create("", kNow, kCaValidity).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(CertificateAuthority::create("ca", kNow, 0s).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(CertificateAuthority::create("ca", kNow, -1s).status().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("CertificateAuthority: load round-trips and checks the key", "[pki]") {
  auto ca = newCa();
  std::string certPem = ca.certificate().toPem().value();
  std::string keyPem = ca.key().toPem().value();

  SECTION("matching cert and key load, and issue certificates the original CA verifies") {
    auto loaded = CertificateAuthority::load(certPem, keyPem);
    REQUIRE(loaded.isOk());
    CHECK(loaded->certificate().derSha256Hex() == ca.certificate().derSha256Hex());
    auto clientKey = PrivateKey::generateEcP256().value();
    auto cert = loaded->issueClientCertificate(clientKey, {"admin", "floe:admins", {}}, kNow, kLeafValidity);
    REQUIRE(cert.isOk());
    CHECK(verifyCertificateChain(*cert, ca.certificate(), kNow).isOk());
  }
  SECTION("a key from another CA is refused") {
    std::string otherKeyPem = newCa("other").key().toPem().value();
    auto loaded = CertificateAuthority::load(certPem, otherKeyPem);
    REQUIRE_FALSE(loaded.isOk());
    CHECK(loaded.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(loaded.status().message(), Contains("does not match"));
  }
  SECTION("a certificate that is not a CA is refused") {
    auto serverKey = PrivateKey::generateEcP256().value();
    auto server = ca.issueServerCertificate(serverKey, "head", {}, kNow, kLeafValidity).value();
    auto loaded = CertificateAuthority::load(server.toPem().value(), serverKey.toPem().value());
    REQUIRE_FALSE(loaded.isOk());
    CHECK_THAT(loaded.status().message(), Contains("not a CA"));
  }
  SECTION("garbage is refused with context") {
    auto loaded = CertificateAuthority::load("nope", keyPem);
    REQUIRE_FALSE(loaded.isOk());
    CHECK_THAT(loaded.status().message(), Contains("loading CA certificate"));
  }
}

TEST_CASE("CertificateAuthority: server certificate carries DNS and IP SANs", "[pki]") {
  auto ca = newCa();
  auto serverKey = PrivateKey::generateEcP256().value();
  SubjectAltNames sans;
  sans.dnsNames = {"head.floe.internal", "localhost"};
  sans.ipAddresses = {"10.0.0.5", "::1", "2001:0db8:0000::42"};

  auto cert = ca.issueServerCertificate(serverKey, "floe-head", sans, kNow, kLeafValidity);
  REQUIRE(cert.isOk());
  CHECK(cert->commonName() == "floe-head");
  CHECK(cert->dnsNames() == std::vector<std::string>{"head.floe.internal", "localhost"});
  // IPv6 comes back in canonical form.
  CHECK(cert->ipAddresses() == std::vector<std::string>{"10.0.0.5", "::1", "2001:db8::42"});
  CHECK(cert->uris().empty());
  CHECK_FALSE(cert->isCa());
  CHECK(cert->notBeforeUnix() == kNow - kSkew);
  CHECK(cert->notAfterUnix() == kNow + kLeafValidity.count());
  CHECK((X509_get_extended_key_usage(cert->get()) & XKU_SSL_SERVER) != 0);
  CHECK((X509_get_key_usage(cert->get()) & KU_DIGITAL_SIGNATURE) != 0);
  CHECK(X509_get0_authority_key_id(cert->get()) != nullptr);
  CHECK(X509_check_private_key(cert->get(), serverKey.get()) == 1);
  CHECK(verifyCertificateChain(*cert, ca.certificate(), kNow).isOk());

  // Random serials: non-empty, at most 128 bits, and different every time.
  auto again = ca.issueServerCertificate(serverKey, "floe-head", sans, kNow, kLeafValidity).value();
  CHECK_FALSE(cert->serialHex().empty());
  CHECK(cert->serialHex().size() <= 32);
  CHECK(cert->serialHex() != again.serialHex());
}

TEST_CASE("CertificateAuthority: invalid SAN entries are rejected", "[pki]") {
  auto ca = newCa();
  auto serverKey = PrivateKey::generateEcP256().value();
  SubjectAltNames sans;

  SECTION("IP address") {
    sans.ipAddresses = {"10.0.0.256"};
    auto cert = ca.issueServerCertificate(serverKey, "head", sans, kNow, kLeafValidity);
    REQUIRE_FALSE(cert.isOk());
    CHECK(cert.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(cert.status().message(), Contains("invalid IP address '10.0.0.256'"));
  }
  SECTION("DNS name with a comma cannot smuggle in another SAN") {
    sans.dnsNames = {"a.example,IP:1.2.3.4"};
    auto cert = ca.issueServerCertificate(serverKey, "head", sans, kNow, kLeafValidity);
    CHECK(cert.status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("CertificateAuthority: client certificate subject comes from the identity", "[pki]") {
  auto ca = newCa();
  auto nodeKey = PrivateKey::generateEcP256().value();
  auto csr = CertificateRequest::fromPem(testing::buildCsrPem(nodeKey.get(), nodeKey.get(), "admin"));
  REQUIRE(csr.isOk());

  ClientIdentity identity{"node-7", "floe:nodes", {"spiffe://floe/node/7"}};
  auto cert = ca.signClientCertificate(*csr, identity, kNow, kLeafValidity);
  REQUIRE(cert.isOk());
  CHECK(cert->commonName() == "node-7");
  CHECK(cert->organization() == "floe:nodes");
  CHECK(cert->uris() == std::vector<std::string>{"spiffe://floe/node/7"});
  CHECK(cert->dnsNames().empty());
  CHECK_FALSE(cert->isCa());
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(cert->get()), nodeKey.get()) == 1);
  CHECK((X509_get_extended_key_usage(cert->get()) & XKU_SSL_CLIENT) != 0);
  CHECK((X509_get_extended_key_usage(cert->get()) & XKU_SSL_SERVER) == 0);
  CHECK(verifyCertificateChain(*cert, ca.certificate(), kNow).isOk());
}

TEST_CASE("CertificateAuthority: signClientCertificate returns the CSR's validation error", "[pki]") {
  auto ca = newCa();
  auto csr = CertificateRequest::create(testing::rsaKey(1024), "weak");
  REQUIRE(csr.isOk());
  auto cert = ca.signClientCertificate(*csr, {"node-1", "", {}}, kNow, kLeafValidity);
  REQUIRE_FALSE(cert.isOk());
  CHECK(cert.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(cert.status().message(), Contains("RSA key of 1024 bits"));
}

TEST_CASE("CertificateAuthority: leaf validity is capped at the CA's expiry", "[pki]") {
  auto ca = CertificateAuthority::create("short-lived CA", kNow, 1h).value();
  auto key = PrivateKey::generateEcP256().value();
  auto cert = ca.issueClientCertificate(key, {"admin", "", {}}, kNow, kLeafValidity);
  REQUIRE(cert.isOk());
  CHECK(cert->notAfterUnix() == ca.certificate().notAfterUnix());

  auto afterExpiry = ca.issueClientCertificate(key, {"admin", "", {}}, kNow + 2 * 3600, kLeafValidity);
  CHECK(afterExpiry.status().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("verifyCertificateChain: trust, foreign CAs and expiry", "[pki]") {
  auto ca = newCa();
  auto key = PrivateKey::generateEcP256().value();
  auto cert = ca.issueClientCertificate(key, {"admin", "floe:admins", {}}, kNow, kLeafValidity).value();

  CHECK(verifyCertificateChain(cert, ca.certificate(), kNow).isOk());
  // The skew allowance makes a just-issued cert valid on a slow peer.
  CHECK(verifyCertificateChain(cert, ca.certificate(), kNow - 60).isOk());

  SECTION("a certificate from another CA does not verify") {
    Status status = verifyCertificateChain(cert, newCa("other CA").certificate(), kNow);
    CHECK(status.code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(status.message(), Contains("unable to get local issuer certificate"));
  }
  SECTION("an expired certificate does not verify") {
    Status status = verifyCertificateChain(cert, ca.certificate(), cert.notAfterUnix() + 1);
    CHECK(status.code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(status.message(), Contains("certificate has expired"));
  }
  SECTION("a certificate not yet valid does not verify") {
    Status status = verifyCertificateChain(cert, ca.certificate(), kNow - 3600);
    CHECK_THAT(status.message(), Contains("not yet valid"));
  }
}

TEST_CASE("Certificate: derSha256Hex is the SHA-256 of the DER encoding", "[pki]") {
  auto ca = newCa();
  const Certificate& cert = ca.certificate();
  std::string fingerprint = cert.derSha256Hex();
  CHECK(fingerprint.size() == 64);
  CHECK(fingerprint == independentDerSha256(cert.get()));

  // The fingerprint survives a PEM round trip, as a joining agent sees it.
  auto reparsed = Certificate::fromPem(cert.toPem().value());
  REQUIRE(reparsed.isOk());
  CHECK(reparsed->derSha256Hex() == fingerprint);
}

TEST_CASE("Certificate: copies share the certificate; PEM bundles parse in order", "[pki]") {
  auto ca = newCa();
  auto other = newCa("other CA");
  Certificate copy = ca.certificate();
  CHECK(copy.get() == ca.certificate().get());
  copy = other.certificate();
  CHECK(copy.commonName() == "other CA");

  std::string bundle = ca.certificate().toPem().value() + other.certificate().toPem().value();
  auto chain = Certificate::chainFromPem(bundle);
  REQUIRE(chain.isOk());
  REQUIRE(chain->size() == 2);
  CHECK((*chain)[0].commonName() == "floe cluster CA");
  CHECK((*chain)[1].commonName() == "other CA");

  CHECK(Certificate::chainFromPem("").status().code() == ErrorCode::kInvalidArgument);
  CHECK(Certificate::fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .status()
            .code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace floe::pki
