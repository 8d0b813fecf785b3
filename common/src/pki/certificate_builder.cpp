#include "certificate_builder.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace floe::pki::detail {

namespace {

constexpr size_t kSerialBytes = 16;

using Asn1StringPtr = std::unique_ptr<ASN1_STRING, OpenSslDeleter<&ASN1_STRING_free>>;

Status setRandomSerial(X509* cert) {
  std::array<unsigned char, kSerialBytes> bytes{};
  BignumPtr serial;
  // A zero serial is invalid; with 128 random bits it is only a theoretical case.
  while (!serial || BN_is_zero(serial.get())) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return openSslFailure(ErrorCode::kInternal, "generating a random certificate serial");
    }
    serial.reset(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    if (!serial) return openSslFailure(ErrorCode::kInternal, "encoding certificate serial");
  }
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate serial");
  }
  return Status::ok();
}

Status setValidity(X509* cert, int64_t notBeforeUnix, int64_t notAfterUnix) {
  if (ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(notBeforeUnix)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(notAfterUnix)) == nullptr) {
    return openSslFailure(ErrorCode::kInvalidArgument, "setting certificate validity period");
  }
  return Status::ok();
}

bool isDnsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '*';
}

bool isUriChar(char c) { return c > ' ' && c < 0x7f; }

Status appendName(GENERAL_NAMES* names, int type, ASN1_STRING* rawValue) {
  Asn1StringPtr value(rawValue);
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!value || !name) return openSslFailure(ErrorCode::kInternal, "allocating a subjectAltName");
  GENERAL_NAME_set0_value(name.get(), type, value.release());
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) {
    return openSslFailure(ErrorCode::kInternal, "adding a subjectAltName");
  }
  name.release();
  return Status::ok();
}

Status appendIa5Name(GENERAL_NAMES* names, int type, std::string_view text) {
  Asn1StringPtr value(ASN1_IA5STRING_new());
  if (!value || ASN1_STRING_set(value.get(), text.data(), static_cast<int>(text.size())) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding a subjectAltName");
  }
  return appendName(names, type, value.release());
}

Status appendIpAddress(GENERAL_NAMES* names, const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  int length = 0;
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    length = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    length = 16;
  } else {
    return invalidArgument("invalid IP address '" + text +
                           "' in subjectAltNames: expected IPv4 (10.0.0.1) or IPv6 (fd00::1) text");
  }
  Asn1StringPtr value(ASN1_OCTET_STRING_new());
  if (!value || ASN1_OCTET_STRING_set(value.get(), bytes.data(), length) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding an IP subjectAltName");
  }
  return appendName(names, GEN_IPADD, value.release());
}

Result<GeneralNamesPtr> encodeSubjectAltNames(const SubjectAltNames& sans) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return openSslFailure(ErrorCode::kInternal, "allocating subjectAltNames");
  for (const std::string& dns : sans.dnsNames) {
    if (dns.empty() || !std::all_of(dns.begin(), dns.end(), isDnsNameChar)) {
      return invalidArgument("invalid DNS name '" + dns +
                             "' in subjectAltNames: use letters, digits, '-', '.' and '*'");
    }
    FLOE_RETURN_IF_ERROR(appendIa5Name(names.get(), GEN_DNS, dns));
  }
  for (const std::string& ip : sans.ipAddresses) {
    FLOE_RETURN_IF_ERROR(appendIpAddress(names.get(), ip));
  }
  for (const std::string& uri : sans.uris) {
    if (uri.find(':') == std::string::npos || !std::all_of(uri.begin(), uri.end(), isUriChar)) {
      return invalidArgument("invalid URI '" + uri +
                             "' in subjectAltNames: expected scheme:rest in printable ASCII");
    }
    FLOE_RETURN_IF_ERROR(appendIa5Name(names.get(), GEN_URI, uri));
  }
  return names;
}

Status addExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openSslFailure(ErrorCode::kInternal, std::string("adding certificate extension ") +
                                                    OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::ok();
}

}  // namespace

Result<X509Ptr> buildCertificate(const CertificateSpec& spec, X509* issuerCert, EVP_PKEY* issuerKey) {
  if (spec.commonName.empty()) return invalidArgument("certificate common name is empty");
  if (spec.notAfterUnix <= spec.notBeforeUnix) {
    return invalidArgument("certificate validity period is empty: notAfter is not after notBefore");
  }
  FLOE_ASSIGN_OR_RETURN(GeneralNamesPtr sans, encodeSubjectAltNames(spec.sans));

  X509Ptr cert(X509_new());
  if (!cert) return openSslFailure(ErrorCode::kInternal, "allocating a certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate version");
  }
  FLOE_RETURN_IF_ERROR(setRandomSerial(cert.get()));
  FLOE_RETURN_IF_ERROR(setValidity(cert.get(), spec.notBeforeUnix, spec.notAfterUnix));

  X509_NAME* subject = X509_get_subject_name(cert.get());
  FLOE_RETURN_IF_ERROR(addNameEntry(subject, NID_commonName, spec.commonName, "common name"));
  if (!spec.organization.empty()) {
    FLOE_RETURN_IF_ERROR(
        addNameEntry(subject, NID_organizationName, spec.organization, "organization"));
  }
  X509_NAME* issuerName = issuerCert != nullptr ? X509_get_subject_name(issuerCert) : subject;
  if (X509_set_issuer_name(cert.get(), issuerName) != 1) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate issuer");
  }
  if (X509_set_pubkey(cert.get(), spec.publicKey) != 1) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate public key");
  }

  // The extension context needs the public key and issuer in place to derive
  // subject/authority key identifiers.
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuerCert != nullptr ? issuerCert : cert.get(), cert.get(), nullptr,
                 nullptr, 0);
  for (const auto& [nid, value] : spec.extensions) {
    FLOE_RETURN_IF_ERROR(addExtension(cert.get(), &ctx, nid, value));
  }
  if (sk_GENERAL_NAME_num(sans.get()) > 0 &&
      X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openSslFailure(ErrorCode::kInternal, "adding subjectAltName extension");
  }

  if (X509_sign(cert.get(), issuerKey, signingDigestFor(issuerKey)) <= 0) {
    return openSslFailure(ErrorCode::kInternal, "signing certificate");
  }
  return cert;
}

}  // namespace floe::pki::detail
