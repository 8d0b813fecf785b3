#include "floe/pki/private_key.h"

#include <openssl/pem.h>

#include "openssl_util.h"

namespace floe::pki {

using detail::openSslFailure;

void PrivateKey::Free::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Result<PrivateKey> PrivateKey::generateEcP256() {
  detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) return openSslFailure(ErrorCode::kInternal, "creating an EC key generation context");
  if (EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) {
    return openSslFailure(ErrorCode::kInternal, "preparing EC P-256 key generation");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openSslFailure(ErrorCode::kInternal, "generating an EC P-256 key");
  }
  return PrivateKey(raw);
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  if (pem.empty()) return invalidArgument("parsing private key PEM: input is empty");
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::readOnlyBio(pem));
  // Without this callback OpenSSL would prompt on the terminal for the
  // passphrase of an encrypted key.
  pem_password_cb* noPassphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr);
  if (raw == nullptr) {
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "parsing private key PEM (expected an unencrypted PEM private key)");
  }
  return PrivateKey(raw);
}

Result<std::string> PrivateKey::toPem() const {
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::writableBio());
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                    nullptr) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding private key as PKCS#8 PEM");
  }
  return detail::bioContents(bio.get());
}

Result<std::string> PrivateKey::publicKeyPem() const {
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::writableBio());
  if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding public key as PEM");
  }
  return detail::bioContents(bio.get());
}

std::string PrivateKey::algorithmDescription() const { return detail::describeKey(key_.get()); }

}  // namespace floe::pki
