// The cluster CA: creates itself, issues the head's server certificate and
// signs node and admin client certificates.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "floe/common/status.h"
#include "floe/pki/certificate.h"
#include "floe/pki/certificate_request.h"
#include "floe/pki/private_key.h"

namespace floe::pki {

struct SubjectAltNames {
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;  // IPv4 or IPv6 text, e.g. "10.0.0.1", "fd00::1"
  std::vector<std::string> uris;
};

// Who a client certificate says its holder is. The CA writes this into the
// subject itself; nothing is copied from a CSR's subject.
struct ClientIdentity {
  std::string commonName;
  std::string organization;  // omitted from the subject when empty
  std::vector<std::string> uris;
};

// Times are Unix seconds passed in by the caller (from a Clock), so tests
// control them. Every issued certificate has notBefore backdated by five
// minutes for clock skew between machines, a random 128-bit serial, a
// SHA-256 signature, and a notAfter no later than the CA's own.
class CertificateAuthority {
 public:
  // Self-signed EC P-256 CA, CN=commonName, basicConstraints critical
  // CA:TRUE pathlen:0, keyUsage critical keyCertSign,cRLSign, valid until
  // nowUnix + validity.
  static Result<CertificateAuthority> create(std::string_view commonName, int64_t nowUnix,
                                             std::chrono::seconds validity);
  // Refuses a certificate that is not a CA or a key that does not match it.
  static Result<CertificateAuthority> load(std::string_view certPem, std::string_view keyPem);

  const Certificate& certificate() const { return cert_; }
  const PrivateKey& key() const { return key_; }

  // The head's TLS certificate: EKU serverAuth+clientAuth, SANs from `sans`
  // (an unparseable IP address is kInvalidArgument).
  Result<Certificate> issueServerCertificate(const PrivateKey& serverKey, std::string_view commonName,
                                             const SubjectAltNames& sans, int64_t nowUnix,
                                             std::chrono::seconds validity) const;

  // A node's client certificate from its CSR. Runs
  // CertificateRequest::validateForClientCertificate() first and returns its
  // error; only the CSR's public key is used.
  Result<Certificate> signClientCertificate(const CertificateRequest& csr,
                                            const ClientIdentity& identity, int64_t nowUnix,
                                            std::chrono::seconds validity) const;

  // Same, for a key we hold (the admin certificate written by `floe init`).
  Result<Certificate> issueClientCertificate(const PrivateKey& clientKey,
                                             const ClientIdentity& identity, int64_t nowUnix,
                                             std::chrono::seconds validity) const;

 private:
  CertificateAuthority(Certificate cert, PrivateKey key)
      : cert_(std::move(cert)), key_(std::move(key)) {}

  Result<Certificate> issueClientCertificateFor(EVP_PKEY* publicKey, const ClientIdentity& identity,
                                                int64_t nowUnix, std::chrono::seconds validity) const;

  Certificate cert_;
  PrivateKey key_;
};

// OK when `cert` chains to `caCert` and both are valid at `atUnix`;
// otherwise kUnauthenticated with OpenSSL's verify error, e.g.
// "certificate has expired".
Status verifyCertificateChain(const Certificate& cert, const Certificate& caCert, int64_t atUnix);

}  // namespace floe::pki
