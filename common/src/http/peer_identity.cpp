#include "floe/http/peer_identity.h"

#include <openssl/x509.h>

#include "floe/pki/certificate.h"

namespace floe::http {

PeerIdentity identifyPeer(SSL* ssl) {
  PeerIdentity identity;
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return identity;
  // get0 lends the certificate; take our own reference before handing it to adopt().
  X509_up_ref(peer);
  pki::Certificate certificate = pki::Certificate::adopt(peer);
  identity.hasVerifiedCertificate = true;
  identity.commonName = certificate.commonName();
  identity.organization = certificate.organization();
  identity.uris = certificate.uris();
  identity.certificateSha256 = certificate.derSha256Hex();
  return identity;
}

}  // namespace floe::http
