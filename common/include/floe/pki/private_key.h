// A private key owned by floe: the CA key, the head's server key, an agent's
// client key.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "floe/common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace floe::pki {

class PrivateKey {
 public:
  static Result<PrivateKey> generateEcP256();
  // Accepts PKCS#8 and traditional PEM; encrypted keys are refused, since floe
  // has no passphrase to offer.
  static Result<PrivateKey> fromPem(std::string_view pem);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey() = default;

  // Unencrypted PKCS#8 ("BEGIN PRIVATE KEY"); the caller protects it at rest.
  Result<std::string> toPem() const;
  Result<std::string> publicKeyPem() const;
  // "EC P-256", "RSA 2048 bits", ...
  std::string algorithmDescription() const;

  EVP_PKEY* get() const { return key_.get(); }

 private:
  struct Free {
    void operator()(EVP_PKEY* key) const;
  };
  explicit PrivateKey(EVP_PKEY* key) : key_(key) {}

  std::unique_ptr<EVP_PKEY, Free> key_;
};

}  // namespace floe::pki
