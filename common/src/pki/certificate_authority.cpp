#include "floe/pki/certificate_authority.h"

#include <openssl/err.h>

#include <algorithm>
#include <limits>

#include "certificate_builder.h"
#include "openssl_util.h"

namespace floe::pki {

using detail::openSslFailure;

namespace {

// Machines joining a cluster rarely agree on the time to the second;
// backdating notBefore keeps a fresh certificate usable on a peer whose
// clock is a little behind.
constexpr int64_t kClockSkewAllowanceSeconds = 5 * 60;

// Past this, time_t arithmetic and ASN1 GeneralizedTime stop being sensible.
constexpr int64_t kMaxValiditySeconds = int64_t{100} * 366 * 24 * 3600;

Status checkValidity(int64_t nowUnix, std::chrono::seconds validity) {
  if (validity.count() <= 0) {
    return invalidArgument("certificate validity must be positive, got " +
                           std::to_string(validity.count()) + "s");
  }
  if (validity.count() > kMaxValiditySeconds) {
    return invalidArgument("certificate validity of " + std::to_string(validity.count()) +
                           "s is longer than 100 years");
  }
  if (nowUnix < kClockSkewAllowanceSeconds ||
      nowUnix > std::numeric_limits<int64_t>::max() - kMaxValiditySeconds) {
    return invalidArgument("current time " + std::to_string(nowUnix) + " is out of range");
  }
  return Status::ok();
}

// A certificate cannot usefully outlive the CA that vouches for it, so the
// requested validity is cut short at the CA's own expiry.
Result<int64_t> leafNotAfter(const Certificate& ca, int64_t nowUnix, std::chrono::seconds validity) {
  const int64_t caNotAfter = ca.notAfterUnix();
  if (caNotAfter <= nowUnix) {
    return failedPrecondition("the CA certificate expired at Unix time " +
                              std::to_string(caNotAfter) + "; rotate the cluster CA");
  }
  return std::min(nowUnix + validity.count(), caNotAfter);
}

// Keys that may need RSA key transport in TLS 1.2 get keyEncipherment too.
std::string leafKeyUsage(EVP_PKEY* key, bool server) {
  if (server && EVP_PKEY_is_a(key, "RSA")) return "critical,digitalSignature,keyEncipherment";
  return "critical,digitalSignature";
}

}  // namespace

Result<CertificateAuthority> CertificateAuthority::create(std::string_view commonName,
                                                          int64_t nowUnix,
                                                          std::chrono::seconds validity) {
  FLOE_RETURN_IF_ERROR(checkValidity(nowUnix, validity).withContext("creating cluster CA"));
  FLOE_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::generateEcP256());

  detail::CertificateSpec spec;
  spec.publicKey = key.get();
  spec.commonName = commonName;
  spec.notBeforeUnix = nowUnix - kClockSkewAllowanceSeconds;
  spec.notAfterUnix = nowUnix + validity.count();
  spec.extensions = {
      {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
      {NID_key_usage, "critical,keyCertSign,cRLSign"},
      {NID_subject_key_identifier, "hash"},
  };
  auto cert = detail::buildCertificate(spec, nullptr, key.get());
  if (!cert.isOk()) return cert.status().withContext("creating cluster CA");
  return CertificateAuthority(Certificate::adopt(cert->release()), std::move(key));
}

Result<CertificateAuthority> CertificateAuthority::load(std::string_view certPem,
                                                        std::string_view keyPem) {
  auto cert = Certificate::fromPem(certPem);
  if (!cert.isOk()) return cert.status().withContext("loading CA certificate");
  auto key = PrivateKey::fromPem(keyPem);
  if (!key.isOk()) return key.status().withContext("loading CA key");
  if (!cert->isCa()) {
    return invalidArgument("loading CA: certificate '" + cert->commonName() +
                           "' is not a CA (no basicConstraints CA:TRUE)");
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "loading CA: private key does not match the CA certificate '" +
                              cert->commonName() + "'");
  }
  return CertificateAuthority(std::move(cert).value(), std::move(key).value());
}

Result<Certificate> CertificateAuthority::issueServerCertificate(const PrivateKey& serverKey,
                                                                 std::string_view commonName,
                                                                 const SubjectAltNames& sans,
                                                                 int64_t nowUnix,
                                                                 std::chrono::seconds validity) const {
  const std::string context = "issuing server certificate for '" + std::string(commonName) + "'";
  FLOE_RETURN_IF_ERROR(checkValidity(nowUnix, validity).withContext(context));
  FLOE_RETURN_IF_ERROR(detail::checkKeyPolicy(serverKey.get()).withContext(context));

  detail::CertificateSpec spec;
  spec.publicKey = serverKey.get();
  spec.commonName = commonName;
  spec.notBeforeUnix = nowUnix - kClockSkewAllowanceSeconds;
  auto notAfter = leafNotAfter(cert_, nowUnix, validity);
  if (!notAfter.isOk()) return notAfter.status().withContext(context);
  spec.notAfterUnix = *notAfter;
  spec.extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, leafKeyUsage(serverKey.get(), /*server=*/true)},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
  };
  spec.sans = sans;
  auto cert = detail::buildCertificate(spec, cert_.get(), key_.get());
  if (!cert.isOk()) return cert.status().withContext(context);
  return Certificate::adopt(cert->release());
}

Result<Certificate> CertificateAuthority::signClientCertificate(const CertificateRequest& csr,
                                                                const ClientIdentity& identity,
                                                                int64_t nowUnix,
                                                                std::chrono::seconds validity) const {
  FLOE_RETURN_IF_ERROR(csr.validateForClientCertificate());
  return issueClientCertificateFor(X509_REQ_get0_pubkey(csr.get()), identity, nowUnix, validity);
}

Result<Certificate> CertificateAuthority::issueClientCertificate(const PrivateKey& clientKey,
                                                                 const ClientIdentity& identity,
                                                                 int64_t nowUnix,
                                                                 std::chrono::seconds validity) const {
  return issueClientCertificateFor(clientKey.get(), identity, nowUnix, validity);
}

Result<Certificate> CertificateAuthority::issueClientCertificateFor(
    EVP_PKEY* publicKey, const ClientIdentity& identity, int64_t nowUnix,
    std::chrono::seconds validity) const {
  const std::string context = "issuing client certificate for '" + identity.commonName + "'";
  FLOE_RETURN_IF_ERROR(checkValidity(nowUnix, validity).withContext(context));
  FLOE_RETURN_IF_ERROR(detail::checkKeyPolicy(publicKey).withContext(context));

  detail::CertificateSpec spec;
  spec.publicKey = publicKey;
  spec.commonName = identity.commonName;
  spec.organization = identity.organization;
  spec.notBeforeUnix = nowUnix - kClockSkewAllowanceSeconds;
  auto notAfter = leafNotAfter(cert_, nowUnix, validity);
  if (!notAfter.isOk()) return notAfter.status().withContext(context);
  spec.notAfterUnix = *notAfter;
  spec.extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, leafKeyUsage(publicKey, /*server=*/false)},
      {NID_ext_key_usage, "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
  };
  spec.sans.uris = identity.uris;
  auto cert = detail::buildCertificate(spec, cert_.get(), key_.get());
  if (!cert.isOk()) return cert.status().withContext(context);
  return Certificate::adopt(cert->release());
}

Status verifyCertificateChain(const Certificate& cert, const Certificate& caCert, int64_t atUnix) {
  detail::X509StorePtr store(X509_STORE_new());
  detail::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return openSslFailure(ErrorCode::kInternal, "allocating a certificate store");
  if (X509_STORE_add_cert(store.get(), caCert.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return openSslFailure(ErrorCode::kInternal, "preparing certificate verification");
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(atUnix));
  if (X509_verify_cert(ctx.get()) == 1) return Status::ok();

  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();  // the verify error above is the meaningful one
  return unauthenticated("certificate '" + cert.commonName() + "' does not verify against CA '" +
                         caCert.commonName() + "': " + X509_verify_cert_error_string(error) +
                         " (depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) +
                         ")");
}

}  // namespace floe::pki
