// Taking a server connection over from OpenSSL once its TLS 1.3 handshake is done,
// so the `SSL` object (and the peer certificate, key and cipher contexts it holds) can
// be freed and only Tls13RecordLayer's ~200 bytes stay per connection.
//
// The traffic secrets come from OpenSSL's keylog callback, the only way OpenSSL 3.0
// hands them out; they are copied into Tls13HandshakeSecrets (found through the SSL's
// ex_data) and never logged. The switch is safe only when OpenSSL has provably done
// nothing with the application keys yet, so that both sequence numbers are 0:
//   - TLS 1.3 with AES-128-GCM or AES-256-GCM (the suites Tls13RecordLayer implements);
//   - no session tickets (num_tickets 0): a ticket is sent under the server's
//     application key and would advance the write sequence number;
//   - nothing buffered in OpenSSL (SSL_has_pending): a record it has read is a record
//     our read sequence would miss. The handshake runs with read_ahead off so that
//     OpenSSL reads exactly up to the client's Finished and no further;
//   - no shutdown, no KeyUpdate pending, no early data.
// Otherwise the connection stays on OpenSSL (TLS 1.2, ChaCha20-Poly1305, ...).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "floe/common/status.h"
#include "tls13_record_layer.h"

namespace floe::http {

// One connection's application traffic secrets, as the handshake derives them.
struct Tls13HandshakeSecrets {
  std::array<uint8_t, 48> client{};
  std::array<uint8_t, 48> server{};
  size_t clientLength = 0;
  size_t serverLength = 0;

  Tls13HandshakeSecrets() = default;
  Tls13HandshakeSecrets(const Tls13HandshakeSecrets&) = delete;
  Tls13HandshakeSecrets& operator=(const Tls13HandshakeSecrets&) = delete;
  ~Tls13HandshakeSecrets();  // wipes both
};

// Installs the keylog callback on a server context. Connections without attached
// secrets are ignored by it.
void captureTls13Secrets(SSL_CTX* ctx);
bool capturesTls13Secrets(SSL_CTX* ctx);

// Where the callback puts this connection's secrets; nullptr detaches.
bool attachTls13Secrets(SSL* ssl, Tls13HandshakeSecrets* secrets);

// After a completed server handshake: the record layer that replaces OpenSSL for the
// rest of the connection, or kFailedPrecondition saying why it cannot (for a debug log).
Result<Tls13RecordLayer> takeOverFromOpenSsl(SSL* ssl, const Tls13HandshakeSecrets& secrets);

}  // namespace floe::http
