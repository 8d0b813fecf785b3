// Internal to the pki module: RAII owners for OpenSSL handles and the helpers
// every pki source needs (error strings, memory BIOs, name entries, key policy).
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::pki::detail {

template <auto FreeFn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<&X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<&X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<&GENERAL_NAME_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OpenSslDeleter<&BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OpenSslDeleter<&ASN1_BIT_STRING_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;

struct ExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * exts) const {
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
};
using ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackDeleter>;

// Drains the thread's OpenSSL error queue and returns its most recent entry as
// text, so a stale error never leaks into the next failure's message.
std::string takeOpenSslError();

// "<what>: <openssl reason>", or just "<what>" when OpenSSL queued nothing.
Status openSslFailure(ErrorCode code, std::string_view what);

// A read-only memory BIO over `data`; the caller keeps `data` alive.
Result<BioPtr> readOnlyBio(std::string_view data);
Result<BioPtr> writableBio();
std::string bioContents(BIO* bio);

// UTF-8 text of the first entry with `nid`, or "" when there is none.
std::string nameEntryUtf8(const X509_NAME* name, int nid);

// Adds a UTF-8 entry; rejects values OpenSSL refuses (e.g. a CN over 64 bytes).
Status addNameEntry(X509_NAME* name, int nid, std::string_view value, std::string_view label);

// "EC P-256", "RSA 2048 bits", "ED25519", ...
std::string describeKey(EVP_PKEY* key);

// The keys floe accepts for node and client identities: EC P-256 or RSA >= 2048.
Status checkKeyPolicy(EVP_PKEY* key);

// The digest to sign with for `key`: SHA-256, except for keys that hash
// internally (Ed25519/Ed448), which OpenSSL requires to be given none.
const EVP_MD* signingDigestFor(EVP_PKEY* key);

std::string lowercaseHex(const unsigned char* data, size_t size);

// ASN1_TIME to Unix seconds; nullopt when OpenSSL cannot parse it.
std::optional<int64_t> asn1TimeToUnix(const ASN1_TIME* time);

}  // namespace floe::pki::detail
