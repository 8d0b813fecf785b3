// An X.509 certificate and the read-only views floe needs of it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "floe/common/status.h"

typedef struct x509_st X509;

namespace floe::pki {

// Copies share one reference-counted X509 (X509_up_ref), so copying is cheap
// and the underlying certificate is never mutated after construction.
class Certificate {
 public:
  static Result<Certificate> fromPem(std::string_view pem);
  // Every certificate in a PEM bundle, in order; an empty bundle is an error.
  static Result<std::vector<Certificate>> chainFromPem(std::string_view pem);
  // Takes ownership of `cert`, which must not be null.
  static Certificate adopt(X509* cert);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  Result<std::string> toPem() const;
  // Lowercase hex SHA-256 of the DER encoding: the fingerprint pinned in join
  // tokens, equal to `openssl x509 -outform DER | sha256sum`.
  std::string derSha256Hex() const;

  std::string commonName() const;    // "" when absent
  std::string organization() const;  // "" when absent
  std::vector<std::string> dnsNames() const;
  std::vector<std::string> ipAddresses() const;  // canonical text, e.g. "10.0.0.1", "2001:db8::1"
  std::vector<std::string> uris() const;
  std::string serialHex() const;  // lowercase
  int64_t notBeforeUnix() const;
  int64_t notAfterUnix() const;
  bool isCa() const;  // basicConstraints CA:TRUE

  X509* get() const { return cert_.get(); }

 private:
  struct Free {
    void operator()(X509* cert) const;
  };
  explicit Certificate(X509* cert) : cert_(cert) {}

  std::unique_ptr<X509, Free> cert_;
};

}  // namespace floe::pki
