#include "tls13_handoff.h"

#include <openssl/crypto.h>
#include <openssl/tls1.h>

#include <string>
#include <string_view>

#include "tls13_keys.h"

namespace floe::http {
namespace {

constexpr std::string_view kClientSecretLabel = "CLIENT_TRAFFIC_SECRET_0";
constexpr std::string_view kServerSecretLabel = "SERVER_TRAFFIC_SECRET_0";

int secretsIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes `hex` into `out`; the length in bytes, or 0 if it is not hex or too long.
size_t decodeHex(std::string_view hex, std::array<uint8_t, 48>& out) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > out.size()) return 0;
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    int high = hexDigit(hex[2 * i]);
    int low = hexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return 0;
    }
    out[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return hex.size() / 2;
}

// OpenSSL's NSS key log line: "LABEL <client random hex> <secret hex>". OpenSSL wipes
// the line after the call; the secret is copied into the connection's own storage only.
void onKeylogLine(const SSL* ssl, const char* line) {
  auto* secrets = static_cast<Tls13HandshakeSecrets*>(SSL_get_ex_data(ssl, secretsIndex()));
  if (secrets == nullptr) return;
  std::string_view text(line);
  size_t labelEnd = text.find(' ');
  size_t randomEnd = labelEnd == std::string_view::npos ? labelEnd : text.find(' ', labelEnd + 1);
  if (randomEnd == std::string_view::npos) return;
  std::string_view label = text.substr(0, labelEnd);
  std::string_view secretHex = text.substr(randomEnd + 1);
  if (label == kClientSecretLabel) {
    secrets->clientLength = decodeHex(secretHex, secrets->client);
  } else if (label == kServerSecretLabel) {
    secrets->serverLength = decodeHex(secretHex, secrets->server);
  }
}

Status notSafe(std::string why) { return failedPrecondition("staying on OpenSSL: " + std::move(why)); }

}  // namespace

Tls13HandshakeSecrets::~Tls13HandshakeSecrets() {
  OPENSSL_cleanse(client.data(), client.size());
  OPENSSL_cleanse(server.data(), server.size());
}

void captureTls13Secrets(SSL_CTX* ctx) { SSL_CTX_set_keylog_callback(ctx, &onKeylogLine); }

bool capturesTls13Secrets(SSL_CTX* ctx) { return SSL_CTX_get_keylog_callback(ctx) == &onKeylogLine; }

bool attachTls13Secrets(SSL* ssl, Tls13HandshakeSecrets* secrets) {
  return secretsIndex() >= 0 && SSL_set_ex_data(ssl, secretsIndex(), secrets) == 1;
}

Result<Tls13RecordLayer> takeOverFromOpenSsl(SSL* ssl, const Tls13HandshakeSecrets& secrets) {
  if (!SSL_is_init_finished(ssl)) return notSafe("the handshake is not finished");
  if (SSL_version(ssl) != TLS1_3_VERSION) return notSafe(std::string(SSL_get_version(ssl)) + " connection");
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  uint32_t cipherId = cipher == nullptr ? 0 : SSL_CIPHER_get_id(cipher);
  Tls13Suite suite;
  if (cipherId == TLS1_3_CK_AES_128_GCM_SHA256) {
    suite = Tls13Suite::kAes128GcmSha256;
  } else if (cipherId == TLS1_3_CK_AES_256_GCM_SHA384) {
    suite = Tls13Suite::kAes256GcmSha384;
  } else {
    return notSafe(std::string("cipher suite ") + (cipher ? SSL_CIPHER_get_name(cipher) : "unknown"));
  }
  if (SSL_get_num_tickets(ssl) != 0) return notSafe("session tickets are on (one would advance the write sequence)");
  if (SSL_has_pending(ssl)) return notSafe("OpenSSL has buffered bytes past the handshake");
  if (SSL_get_shutdown(ssl) != 0) return notSafe("the connection is shutting down");
  if (SSL_get_key_update_type(ssl) != SSL_KEY_UPDATE_NONE) return notSafe("a KeyUpdate is pending");
  if (SSL_get_early_data_status(ssl) == SSL_EARLY_DATA_ACCEPTED) return notSafe("early data was accepted");
  if (!tls13::available(suite)) return notSafe("OpenSSL's providers offer no AES-GCM or HKDF to this process");
  size_t hashLength = tls13::hashLength(suite);
  if (secrets.clientLength != hashLength || secrets.serverLength != hashLength) {
    return notSafe("the traffic secrets were not captured");
  }
  // A server reads with the client's secret and writes with its own.
  return Tls13RecordLayer::create(suite, std::span(secrets.client).first(hashLength),
                                  std::span(secrets.server).first(hashLength));
}

}  // namespace floe::http
