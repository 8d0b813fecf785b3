// The TLS 1.3 key schedule's last step and the AEAD, for Tls13RecordLayer: traffic
// key and IV from a traffic secret (RFC 8446 §7.3), the next generation of a secret
// for KeyUpdate (§7.2), and AES-GCM sealing and opening of one record (§5.2).
//
// All of it goes through OpenSSL's EVP (HKDF, AES-GCM); nothing here is hand-made
// cryptography. A cipher context costs ~1 KB, so instead of two per connection there
// is one per thread, keyed again for each record (what that costs: tests/bench/README.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tls13_record_layer.h"

namespace floe::http::tls13 {

// Whether OpenSSL's providers offer what the suite needs (AES-GCM, HKDF); a restricted
// provider configuration may not, and then the connection stays on OpenSSL.
bool available(Tls13Suite suite);

size_t hashLength(Tls13Suite suite);
size_t keyLength(Tls13Suite suite);

// HKDF-Expand-Label(secret, label, "", out.size()) with the suite's hash (§7.1).
bool expandLabel(Tls13Suite suite, std::span<const uint8_t> secret, std::string_view label,
                 std::span<uint8_t> out);

// Installs `secret` into `keys`: derives its key and IV and resets the sequence number.
bool installSecret(Tls13Suite suite, std::span<const uint8_t> secret, Tls13TrafficKeys& keys);
// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
bool nextGeneration(Tls13Suite suite, Tls13TrafficKeys& keys);

// The per-record nonce: the IV XOR the 64-bit sequence number, left-padded (§5.3).
std::array<uint8_t, 12> recordNonce(const Tls13TrafficKeys& keys);

// Encrypts `plaintext` in place and writes the 16-byte tag to `tag`. `aad` is the
// record header.
bool sealRecord(Tls13Suite suite, const Tls13TrafficKeys& keys, std::span<const uint8_t> aad,
                std::span<uint8_t> plaintext, uint8_t* tag);
// Decrypts `ciphertext` in place; false if the tag does not verify.
bool openRecord(Tls13Suite suite, const Tls13TrafficKeys& keys, std::span<const uint8_t> aad,
                std::span<uint8_t> ciphertext, std::span<uint8_t> tag);

}  // namespace floe::http::tls13
