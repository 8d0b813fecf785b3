// Internal to the pki module: assembles and signs an X.509 v3 certificate.
// The CA decides what goes in; this file only knows how to encode it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "floe/common/status.h"
#include "floe/pki/certificate_authority.h"
#include "openssl_util.h"

namespace floe::pki::detail {

struct CertificateSpec {
  EVP_PKEY* publicKey = nullptr;
  std::string_view commonName;
  std::string_view organization;  // omitted when empty
  int64_t notBeforeUnix = 0;
  int64_t notAfterUnix = 0;
  // (nid, value in OpenSSL config syntax), e.g. {NID_key_usage, "critical,digitalSignature"}.
  // Only for fixed values: caller-supplied text goes through `sans`, which is
  // encoded field by field so a comma in a name cannot inject another entry.
  std::vector<std::pair<int, std::string>> extensions;
  SubjectAltNames sans;
};

// Signs with `issuerKey` using SHA-256; a null `issuerCert` means self-signed.
Result<X509Ptr> buildCertificate(const CertificateSpec& spec, X509* issuerCert, EVP_PKEY* issuerKey);

}  // namespace floe::pki::detail
