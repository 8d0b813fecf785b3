#include "tls13_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

namespace floe::http::tls13 {
namespace {

constexpr std::string_view kLabelPrefix = "tls13 ";

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

// Fetched once: an implicit fetch (EVP_aes_128_gcm()) would look the algorithm up
// again on every record.
const EVP_CIPHER* cipherFor(Tls13Suite suite) {
  static EVP_CIPHER* const aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static EVP_CIPHER* const aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return suite == Tls13Suite::kAes128GcmSha256 ? aes128 : aes256;
}

EVP_KDF* hkdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

// One per I/O thread instead of two per connection (see the header).
EVP_CIPHER_CTX* threadCipherContext() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}

}  // namespace

bool available(Tls13Suite suite) { return cipherFor(suite) != nullptr && hkdf() != nullptr; }

size_t hashLength(Tls13Suite suite) { return suite == Tls13Suite::kAes128GcmSha256 ? 32 : 48; }
size_t keyLength(Tls13Suite suite) { return suite == Tls13Suite::kAes128GcmSha256 ? 16 : 32; }

bool expandLabel(Tls13Suite suite, std::span<const uint8_t> secret, std::string_view label,
                 std::span<uint8_t> out) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255> = ""; }
  std::vector<uint8_t> info;
  info.reserve(2 + 1 + kLabelPrefix.size() + label.size() + 1);
  info.push_back(static_cast<uint8_t>(out.size() >> 8));
  info.push_back(static_cast<uint8_t>(out.size() & 0xff));
  info.push_back(static_cast<uint8_t>(kLabelPrefix.size() + label.size()));
  info.insert(info.end(), kLabelPrefix.begin(), kLabelPrefix.end());
  info.insert(info.end(), label.begin(), label.end());
  info.push_back(0);

  if (hkdf() == nullptr) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(hkdf()));
  if (!ctx) return false;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[] = "SHA256";
  char digest384[] = "SHA384";
  // OSSL_PARAM takes non-const pointers for every kind of parameter; nothing is written.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                       suite == Tls13Suite::kAes128GcmSha256 ? digest : digest384, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  return EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
}

bool installSecret(Tls13Suite suite, std::span<const uint8_t> secret, Tls13TrafficKeys& keys) {
  if (secret.size() != hashLength(suite)) return false;
  OPENSSL_cleanse(&keys, sizeof keys);
  std::copy(secret.begin(), secret.end(), keys.secret.begin());
  return expandLabel(suite, secret, "key", std::span(keys.key).first(keyLength(suite))) &&
         expandLabel(suite, secret, "iv", keys.iv);
}

bool nextGeneration(Tls13Suite suite, Tls13TrafficKeys& keys) {
  std::array<uint8_t, 48> next{};
  size_t length = hashLength(suite);
  bool ok = expandLabel(suite, std::span(keys.secret).first(length), "traffic upd", std::span(next).first(length)) &&
            installSecret(suite, std::span(next).first(length), keys);
  OPENSSL_cleanse(next.data(), next.size());
  return ok;
}

std::array<uint8_t, 12> recordNonce(const Tls13TrafficKeys& keys) {
  std::array<uint8_t, 12> nonce = keys.iv;
  for (size_t i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(keys.sequence >> (8 * i));
  return nonce;
}

bool sealRecord(Tls13Suite suite, const Tls13TrafficKeys& keys, std::span<const uint8_t> aad,
                std::span<uint8_t> plaintext, uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = threadCipherContext();
  std::array<uint8_t, 12> nonce = recordNonce(keys);
  int length = 0;
  if (ctx == nullptr || cipherFor(suite) == nullptr ||
      EVP_EncryptInit_ex2(ctx, cipherFor(suite), keys.key.data(), nonce.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, plaintext.data(), &length, plaintext.data(), static_cast<int>(plaintext.size())) != 1) {
    return false;
  }
  return EVP_EncryptFinal_ex(ctx, plaintext.data() + length, &length) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Tls13RecordLayer::kTagBytes, tag) == 1;
}

bool openRecord(Tls13Suite suite, const Tls13TrafficKeys& keys, std::span<const uint8_t> aad,
                std::span<uint8_t> ciphertext, std::span<uint8_t> tag) {
  EVP_CIPHER_CTX* ctx = threadCipherContext();
  std::array<uint8_t, 12> nonce = recordNonce(keys);
  int length = 0;
  return ctx != nullptr && cipherFor(suite) != nullptr &&
         EVP_DecryptInit_ex2(ctx, cipherFor(suite), keys.key.data(), nonce.data(), nullptr) == 1 &&
         EVP_DecryptUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) == 1 &&
         EVP_DecryptUpdate(ctx, ciphertext.data(), &length, ciphertext.data(), static_cast<int>(ciphertext.size())) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()), tag.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx, ciphertext.data() + length, &length) == 1;
}

}  // namespace floe::http::tls13
