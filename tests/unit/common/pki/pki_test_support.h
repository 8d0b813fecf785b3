// Raw-OpenSSL helpers for the pki tests: they build inputs the public API
// deliberately cannot produce (weak keys, CSRs asking for CA powers, tampered
// bytes) and compute expected values independently of the code under test.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "floe/pki/private_key.h"

namespace floe::pki::testing {

constexpr int64_t kNow = 1'700'000'000;  // fixed so the tests never read the wall clock

template <auto FreeFn>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Free<&BIO_free_all>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Free<&X509_REQ_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Free<&X509_EXTENSION_free>>;

inline std::string bioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

inline PrivateKey rsaKey(unsigned bits) {
  EvpPkeyPtr key(EVP_RSA_gen(bits));
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return PrivateKey::fromPem(bioText(bio.get())).value();
}

inline std::string reqToPem(X509_REQ* req) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req);
  return bioText(bio.get());
}

// A CSR for `subjectKey`'s public key, signed by `signingKey` (pass the same
// key for an honest CSR), carrying `extensions` as {nid, config value}.
inline std::string buildCsrPem(EVP_PKEY* subjectKey, EVP_PKEY* signingKey, const std::string& cn,
                               const std::vector<std::pair<int, std::string>>& extensions = {}) {
  X509ReqPtr req(X509_REQ_new());
  X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), subjectKey);
  if (!extensions.empty()) {
    STACK_OF(X509_EXTENSION)* stack = sk_X509_EXTENSION_new_null();
    for (const auto& [nid, value] : extensions) {
      sk_X509_EXTENSION_push(stack, X509V3_EXT_nconf_nid(nullptr, nullptr, nid, value.c_str()));
    }
    X509_REQ_add_extensions(req.get(), stack);
    sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
  }
  X509_REQ_sign(req.get(), signingKey, EVP_sha256());
  return reqToPem(req.get());
}

// The DER bytes of a PEM CSR with every occurrence of `from` replaced by `to`
// (same length), re-wrapped as PEM with the original signature.
inline std::string tamperCsrPem(const std::string& pem, const std::string& from, const std::string& to) {
  BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509ReqPtr req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + 1)) {
    bytes.replace(at, from.size(), to);
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
  X509ReqPtr tampered(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(bytes.size())));
  return reqToPem(tampered.get());
}

}  // namespace floe::pki::testing
