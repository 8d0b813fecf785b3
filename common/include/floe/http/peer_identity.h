#pragma once

#include <openssl/ssl.h>

#include "floe/http/message.h"

namespace floe::http {

// Reads the client certificate of an established TLS connection. The identity is
// marked verified only if OpenSSL's chain verification against the cluster CA passed.
PeerIdentity identifyPeer(SSL* ssl);

}  // namespace floe::http
