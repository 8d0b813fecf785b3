// TLS 1.3 application-data records (RFC 8446 §5) for a connection whose handshake
// OpenSSL has already done: the server side after the hand-off in tls13_handoff.h.
//
// Why it exists: an idle kept-alive mutual-TLS connection held ~28 KB of RSS in the
// head, two thirds of it OpenSSL state that is only needed for the handshake (the
// `SSL` object, the peer certificate and key, two cipher contexts). After the
// handshake, all a TLS 1.3 connection needs is each direction's traffic secret, key,
// IV and sequence number: ~200 bytes here. It is what the kernel's kTLS takes over,
// done in user space because this kernel has no `tls` module.
//
// It is pure: bytes in, bytes out, no socket, so unit tests and the fuzzer drive it
// directly. What it does not support, on purpose (the caller keeps OpenSSL instead, or
// the connection is closed with a reason): cipher suites other than AES-GCM, a
// handshake message other than KeyUpdate, a handshake message split across records.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "floe/common/status.h"

namespace floe::http {

enum class Tls13Suite { kAes128GcmSha256, kAes256GcmSha384 };

// One direction's protection. The secret is kept for KeyUpdate's next generation.
struct Tls13TrafficKeys {
  std::array<uint8_t, 48> secret{};
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 12> iv{};
  uint64_t sequence = 0;
};

class Tls13RecordLayer {
 public:
  static constexpr size_t kHeaderBytes = 5;
  static constexpr size_t kTagBytes = 16;
  static constexpr size_t kMaxPlaintext = 16384;                  // 2^14
  static constexpr size_t kMaxCiphertext = kMaxPlaintext + 256;   // RFC 8446 §5.2
  static constexpr size_t kMaxRecordBytes = kHeaderBytes + kMaxCiphertext;

  // The secrets are the handshake's CLIENT_/SERVER_TRAFFIC_SECRET_0 as seen from this
  // side: for a server, read = client's, write = server's. Their length must be the
  // suite's hash length. Both sequence numbers start at 0.
  static Result<Tls13RecordLayer> create(Tls13Suite suite, std::span<const uint8_t> readSecret,
                                         std::span<const uint8_t> writeSecret);

  Tls13RecordLayer(Tls13RecordLayer&& other) noexcept;
  Tls13RecordLayer& operator=(Tls13RecordLayer&& other) noexcept;
  Tls13RecordLayer(const Tls13RecordLayer&) = delete;
  Tls13RecordLayer& operator=(const Tls13RecordLayer&) = delete;
  ~Tls13RecordLayer();  // wipes every secret, key and IV

  // What decoding the front of a byte stream gave.
  struct Decoded {
    enum class Kind {
      kNeedMore,         // no complete record yet; consumed == 0
      kApplicationData,  // plaintext (may be empty) points into the input buffer
      kKeyUpdated,       // the peer's KeyUpdate: the read key moved on
      kCloseNotify,      // the peer's close_notify: a clean end of the stream
      kError,            // reason says why; alert is the TLS alert to send back
    };
    Kind kind = Kind::kNeedMore;
    size_t consumed = 0;  // bytes of the input that made this record
    std::span<uint8_t> plaintext;
    const char* reason = "";  // never contains key material
    uint8_t alert = 0;        // kError: the alert to send back (0: none), or the peer's
    bool peerAlert = false;   // kError: `alert` is the fatal alert the peer sent
  };

  // Decodes (and decrypts in place) the first record of `input`. After an error the
  // connection must be closed: the layer's state is no longer meaningful.
  Decoded decode(std::span<uint8_t> input);

  // Appends one protected record carrying `plaintext` (at most kMaxPlaintext bytes,
  // gathered from several pieces) to `out`, preceded by our own KeyUpdate when one is
  // owed. False only if OpenSSL's AES-GCM fails (out of memory).
  bool sealApplicationData(std::span<const std::span<const uint8_t>> plaintext, std::vector<uint8_t>& out);
  // A protected alert record (close_notify is 0; errors are fatal alerts).
  bool sealAlert(uint8_t description, std::vector<uint8_t>& out);

  Tls13Suite suite() const { return suite_; }
  uint64_t readSequence() const { return read_.sequence; }
  uint64_t writeSequence() const { return write_.sequence; }
  // The peer asked for our KeyUpdate; it goes out before the next application data.
  bool owesKeyUpdate() const { return owesKeyUpdate_; }

 private:
  Tls13RecordLayer(Tls13Suite suite) : suite_(suite) {}

  Decoded handleHandshake(size_t consumed, std::span<const uint8_t> content);
  bool seal(uint8_t contentType, std::span<const std::span<const uint8_t>> content, std::vector<uint8_t>& out);
  bool sendKeyUpdate(std::vector<uint8_t>& out);

  Tls13Suite suite_;
  Tls13TrafficKeys read_;
  Tls13TrafficKeys write_;
  bool owesKeyUpdate_ = false;
};

}  // namespace floe::http
