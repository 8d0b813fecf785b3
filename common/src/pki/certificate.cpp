#include "floe/pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cctype>
#include <cstdlib>
#include <iostream>

#include "openssl_util.h"

namespace floe::pki {

using detail::openSslFailure;

namespace {

// The certificate's subjectAltName entries of one GENERAL_NAME type, as text.
template <typename ToText>
std::vector<std::string> subjectAltNamesOfType(X509* cert, int type, ToText toText) {
  std::vector<std::string> out;
  detail::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int nameType = 0;
    const void* value = GENERAL_NAME_get0_value(name, &nameType);
    if (nameType != type || value == nullptr) continue;
    std::string text = toText(static_cast<const ASN1_STRING*>(value));
    if (!text.empty()) out.push_back(std::move(text));
  }
  return out;
}

std::string asciiText(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string ipText(const ASN1_STRING* s) {
  const unsigned char* bytes = ASN1_STRING_get0_data(s);
  char text[INET6_ADDRSTRLEN] = {};
  int family = 0;
  if (ASN1_STRING_length(s) == 4) family = AF_INET;
  else if (ASN1_STRING_length(s) == 16) family = AF_INET6;
  else return {};  // a malformed entry; nothing sensible to show
  if (inet_ntop(family, bytes, text, sizeof(text)) == nullptr) return {};
  return text;
}

int64_t timeOrAbort(const ASN1_TIME* time, const char* which) {
  auto unix = detail::asn1TimeToUnix(time);
  if (!unix) {
    // OpenSSL validated the time when it parsed the certificate, so failing
    // here means the library and this code disagree: a bug, not bad input.
    std::cerr << "floe: bug: cannot convert certificate " << which << " to Unix time\n";
    std::abort();
  }
  return *unix;
}

}  // namespace

void Certificate::Free::operator()(X509* cert) const { X509_free(cert); }

Certificate Certificate::adopt(X509* cert) { return Certificate(cert); }

Certificate::Certificate(const Certificate& other) : cert_(nullptr) {
  if (other.cert_ && X509_up_ref(other.cert_.get()) == 1) cert_.reset(other.cert_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) *this = Certificate(other);
  return *this;
}

Result<Certificate> Certificate::fromPem(std::string_view pem) {
  if (pem.empty()) return invalidArgument("parsing certificate PEM: input is empty");
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::readOnlyBio(pem));
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return openSslFailure(ErrorCode::kInvalidArgument, "parsing certificate PEM");
  return Certificate(cert);
}

Result<std::vector<Certificate>> Certificate::chainFromPem(std::string_view pem) {
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::readOnlyBio(pem));
  std::vector<Certificate> chain;
  ERR_clear_error();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    chain.push_back(Certificate(cert));
  }
  // Running out of PEM blocks is how the loop ends; anything else is damage.
  unsigned long error = ERR_peek_last_error();
  bool cleanEnd = ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
  if (error != 0 && !cleanEnd) {
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "parsing certificate " + std::to_string(chain.size() + 1) + " of PEM bundle");
  }
  ERR_clear_error();
  if (chain.empty()) return invalidArgument("parsing certificate PEM bundle: no certificates found");
  return chain;
}

Result<std::string> Certificate::toPem() const {
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::writableBio());
  if (PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding certificate as PEM");
  }
  return detail::bioContents(bio.get());
}

std::string Certificate::derSha256Hex() const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // X509_digest hashes the DER encoding, reusing the bytes the certificate was
  // parsed from, so the fingerprint matches what the peer sends on the wire.
  if (X509_digest(cert_.get(), EVP_sha256(), digest, &length) != 1) {
    std::cerr << "floe: bug: SHA-256 of a certificate failed: " << detail::takeOpenSslError() << "\n";
    std::abort();
  }
  return detail::lowercaseHex(digest, length);
}

std::string Certificate::commonName() const {
  return detail::nameEntryUtf8(X509_get_subject_name(cert_.get()), NID_commonName);
}

std::string Certificate::organization() const {
  return detail::nameEntryUtf8(X509_get_subject_name(cert_.get()), NID_organizationName);
}

std::vector<std::string> Certificate::dnsNames() const {
  return subjectAltNamesOfType(cert_.get(), GEN_DNS, asciiText);
}

std::vector<std::string> Certificate::ipAddresses() const {
  return subjectAltNamesOfType(cert_.get(), GEN_IPADD, ipText);
}

std::vector<std::string> Certificate::uris() const {
  return subjectAltNamesOfType(cert_.get(), GEN_URI, asciiText);
}

std::string Certificate::serialHex() const {
  detail::BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  if (!serial) return {};
  char* hex = BN_bn2hex(serial.get());
  if (hex == nullptr) return {};
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int64_t Certificate::notBeforeUnix() const {
  return timeOrAbort(X509_get0_notBefore(cert_.get()), "notBefore");
}

int64_t Certificate::notAfterUnix() const {
  return timeOrAbort(X509_get0_notAfter(cert_.get()), "notAfter");
}

bool Certificate::isCa() const {
  return (X509_get_extension_flags(cert_.get()) & EXFLAG_CA) != 0;
}

}  // namespace floe::pki
