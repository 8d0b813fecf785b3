// A PKCS#10 certificate signing request, as an agent sends it when joining.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "floe/common/status.h"
#include "floe/pki/private_key.h"

typedef struct X509_req_st X509_REQ;

namespace floe::pki {

class CertificateRequest {
 public:
  static Result<CertificateRequest> fromPem(std::string_view pem);
  // A CSR for `key` with subject CN=commonName, signed with SHA-256.
  static Result<CertificateRequest> create(const PrivateKey& key, std::string_view commonName);

  CertificateRequest(CertificateRequest&&) noexcept = default;
  CertificateRequest& operator=(CertificateRequest&&) noexcept = default;
  CertificateRequest(const CertificateRequest&) = delete;
  CertificateRequest& operator=(const CertificateRequest&) = delete;
  ~CertificateRequest() = default;

  Result<std::string> toPem() const;
  // The CN the requester asked for. Informational only: the CA sets the
  // subject of the certificate it issues itself.
  std::string commonName() const;
  // "EC P-256", "RSA 2048 bits", ...
  std::string publicKeyAlgorithmDescription() const;

  // kInvalidArgument unless the request is fit to become a client
  // certificate: its signature verifies against its own public key (proof of
  // possession), the key is EC P-256 or RSA >= 2048 bits, and it does not ask
  // for CA powers (basicConstraints CA:TRUE, keyUsage keyCertSign/cRLSign).
  Status validateForClientCertificate() const;

  X509_REQ* get() const { return req_.get(); }

 private:
  struct Free {
    void operator()(X509_REQ* req) const;
  };
  explicit CertificateRequest(X509_REQ* req) : req_(req) {}

  std::unique_ptr<X509_REQ, Free> req_;
};

}  // namespace floe::pki
