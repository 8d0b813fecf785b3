#include "floe/pki/certificate_request.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "openssl_util.h"

namespace floe::pki {

using detail::openSslFailure;

namespace {

// Bit positions in the KeyUsage BIT STRING (RFC 5280 section 4.2.1.3).
constexpr int kKeyUsageKeyCertSignBit = 5;
constexpr int kKeyUsageCrlSignBit = 6;

Status checkRequestedExtension(X509_EXTENSION* ext) {
  const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
  if (nid == NID_basic_constraints) {
    detail::BasicConstraintsPtr constraints(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext)));
    if (!constraints) {
      return openSslFailure(ErrorCode::kInvalidArgument,
                            "certificate request has a malformed basicConstraints extension");
    }
    if (constraints->ca != 0) {
      return invalidArgument(
          "certificate request asks for basicConstraints CA:TRUE; a client certificate cannot be a CA");
    }
  } else if (nid == NID_key_usage) {
    detail::BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext)));
    if (!usage) {
      return openSslFailure(ErrorCode::kInvalidArgument,
                            "certificate request has a malformed keyUsage extension");
    }
    if (ASN1_BIT_STRING_get_bit(usage.get(), kKeyUsageKeyCertSignBit) != 0 ||
        ASN1_BIT_STRING_get_bit(usage.get(), kKeyUsageCrlSignBit) != 0) {
      return invalidArgument(
          "certificate request asks for keyUsage keyCertSign or cRLSign; a client certificate "
          "cannot sign certificates");
    }
  }
  return Status::ok();
}

}  // namespace

void CertificateRequest::Free::operator()(X509_REQ* req) const { X509_REQ_free(req); }

Result<CertificateRequest> CertificateRequest::fromPem(std::string_view pem) {
  if (pem.empty()) return invalidArgument("parsing certificate request PEM: input is empty");
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::readOnlyBio(pem));
  X509_REQ* req = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
  if (req == nullptr) {
    return openSslFailure(ErrorCode::kInvalidArgument, "parsing certificate request PEM");
  }
  return CertificateRequest(req);
}

Result<CertificateRequest> CertificateRequest::create(const PrivateKey& key,
                                                      std::string_view commonName) {
  if (key.get() == nullptr) return invalidArgument("creating certificate request: no private key");
  if (commonName.empty()) return invalidArgument("creating certificate request: common name is empty");
  detail::X509ReqPtr req(X509_REQ_new());
  if (!req) return openSslFailure(ErrorCode::kInternal, "allocating a certificate request");
  if (X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate request version");
  }
  FLOE_RETURN_IF_ERROR(detail::addNameEntry(X509_REQ_get_subject_name(req.get()), NID_commonName,
                                            commonName, "certificate request common name"));
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return openSslFailure(ErrorCode::kInternal, "setting certificate request public key");
  }
  if (X509_REQ_sign(req.get(), key.get(), detail::signingDigestFor(key.get())) <= 0) {
    return openSslFailure(ErrorCode::kInternal, "signing certificate request");
  }
  return CertificateRequest(req.release());
}

Result<std::string> CertificateRequest::toPem() const {
  FLOE_ASSIGN_OR_RETURN(detail::BioPtr bio, detail::writableBio());
  if (PEM_write_bio_X509_REQ(bio.get(), req_.get()) != 1) {
    return openSslFailure(ErrorCode::kInternal, "encoding certificate request as PEM");
  }
  return detail::bioContents(bio.get());
}

std::string CertificateRequest::commonName() const {
  return detail::nameEntryUtf8(X509_REQ_get_subject_name(req_.get()), NID_commonName);
}

std::string CertificateRequest::publicKeyAlgorithmDescription() const {
  return detail::describeKey(X509_REQ_get0_pubkey(req_.get()));
}

Status CertificateRequest::validateForClientCertificate() const {
  EVP_PKEY* publicKey = X509_REQ_get0_pubkey(req_.get());
  if (publicKey == nullptr) {
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "certificate request has no usable public key");
  }
  if (X509_REQ_verify(req_.get(), publicKey) != 1) {
    return openSslFailure(ErrorCode::kInvalidArgument,
                          "certificate request signature does not verify against its own public "
                          "key (damaged, or not signed by the holder of the key)");
  }
  if (Status policy = detail::checkKeyPolicy(publicKey); !policy.isOk()) {
    return policy.withContext("certificate request key rejected");
  }
  // X509_REQ_get_extensions returns null both for "no extensions" and for
  // undecodable ones; only the latter leaves an error queued.
  ERR_clear_error();
  detail::ExtensionStackPtr extensions(X509_REQ_get_extensions(req_.get()));
  if (!extensions) {
    if (ERR_peek_error() != 0) {
      return openSslFailure(ErrorCode::kInvalidArgument,
                            "certificate request has malformed requested extensions");
    }
    return Status::ok();
  }
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions.get()); ++i) {
    FLOE_RETURN_IF_ERROR(checkRequestedExtension(sk_X509_EXTENSION_value(extensions.get(), i)));
  }
  return Status::ok();
}

}  // namespace floe::pki
