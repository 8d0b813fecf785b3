#include "tls13_record_layer.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>

#include "tls13_keys.h"

namespace floe::http {
namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kKeyUpdate = 24;  // handshake message type
constexpr uint8_t kUpdateNotRequested = 0;
constexpr uint8_t kUpdateRequested = 1;

// Alert descriptions sent back when the peer's record is refused (RFC 8446 §6.2).
constexpr uint8_t kUnexpectedMessage = 10;
constexpr uint8_t kBadRecordMac = 20;
constexpr uint8_t kRecordOverflow = 22;
constexpr uint8_t kIllegalParameter = 47;
constexpr uint8_t kDecodeError = 50;

// AES-GCM's limit is 2^24.5 full records per key (RFC 8446 §5.5); we move our write
// key on well before it. A head's connection sends two records per heartbeat, so this
// is a safety net rather than a path that runs.
constexpr uint64_t kRekeyAfterRecords = uint64_t{1} << 24;

using Kind = Tls13RecordLayer::Decoded::Kind;

Tls13RecordLayer::Decoded refuse(uint8_t alert, const char* reason) {
  Tls13RecordLayer::Decoded decoded;
  decoded.kind = Kind::kError;
  decoded.reason = reason;
  decoded.alert = alert;
  return decoded;
}

}  // namespace

Result<Tls13RecordLayer> Tls13RecordLayer::create(Tls13Suite suite, std::span<const uint8_t> readSecret,
                                                  std::span<const uint8_t> writeSecret) {
  if (readSecret.size() != tls13::hashLength(suite) || writeSecret.size() != tls13::hashLength(suite)) {
    return invalidArgument("TLS 1.3 traffic secret has the wrong length for the cipher suite");
  }
  Tls13RecordLayer layer(suite);
  if (!tls13::installSecret(suite, readSecret, layer.read_) ||
      !tls13::installSecret(suite, writeSecret, layer.write_)) {
    return internalError("deriving TLS 1.3 traffic keys failed (OpenSSL HKDF)");
  }
  return layer;
}

Tls13RecordLayer::Tls13RecordLayer(Tls13RecordLayer&& other) noexcept
    : suite_(other.suite_), read_(other.read_), write_(other.write_), owesKeyUpdate_(other.owesKeyUpdate_) {
  OPENSSL_cleanse(&other.read_, sizeof other.read_);
  OPENSSL_cleanse(&other.write_, sizeof other.write_);
}

Tls13RecordLayer& Tls13RecordLayer::operator=(Tls13RecordLayer&& other) noexcept {
  if (this != &other) {
    suite_ = other.suite_;
    read_ = other.read_;
    write_ = other.write_;
    owesKeyUpdate_ = other.owesKeyUpdate_;
    OPENSSL_cleanse(&other.read_, sizeof other.read_);
    OPENSSL_cleanse(&other.write_, sizeof other.write_);
  }
  return *this;
}

Tls13RecordLayer::~Tls13RecordLayer() {
  OPENSSL_cleanse(&read_, sizeof read_);
  OPENSSL_cleanse(&write_, sizeof write_);
}

Tls13RecordLayer::Decoded Tls13RecordLayer::decode(std::span<uint8_t> input) {
  if (input.size() < kHeaderBytes) return {};
  // After the handshake every record is TLSCiphertext with the outer type
  // application_data; a plaintext alert, a change_cipher_spec or a handshake record
  // here is a protocol violation (§5, §5.1). legacy_record_version is ignored (§5.1)
  // but authenticated as part of the header.
  if (input[0] != kApplicationData) {
    return refuse(kUnexpectedMessage, input[0] == kChangeCipherSpec
                                          ? "change_cipher_spec record after the handshake"
                                          : "unprotected record after the handshake");
  }
  size_t length = (size_t{input[3]} << 8) | input[4];
  if (length > kMaxCiphertext) return refuse(kRecordOverflow, "record longer than 2^14 + 256 bytes");
  if (length < kTagBytes + 1) return refuse(kDecodeError, "record too short for its content type and tag");
  if (input.size() < kHeaderBytes + length) return {};
  if (read_.sequence == std::numeric_limits<uint64_t>::max()) {
    return refuse(kUnexpectedMessage, "read sequence number exhausted");
  }

  size_t consumed = kHeaderBytes + length;
  auto ciphertext = input.subspan(kHeaderBytes, length - kTagBytes);
  auto tag = input.subspan(kHeaderBytes + length - kTagBytes, kTagBytes);
  if (!tls13::openRecord(suite_, read_, input.first(kHeaderBytes), ciphertext, tag)) {
    return refuse(kBadRecordMac, "record failed authentication (tampered, replayed or out of order)");
  }
  ++read_.sequence;

  // TLSInnerPlaintext: content, then the real content type, then zero padding (§5.4).
  size_t end = ciphertext.size();
  while (end > 0 && ciphertext[end - 1] == 0) --end;
  if (end == 0) return refuse(kUnexpectedMessage, "record without a content type (all padding)");
  uint8_t contentType = ciphertext[end - 1];
  auto content = ciphertext.first(end - 1);
  if (content.size() > kMaxPlaintext) return refuse(kRecordOverflow, "record plaintext longer than 2^14 bytes");

  switch (contentType) {
    case kApplicationData: {
      Decoded decoded;
      decoded.kind = Kind::kApplicationData;
      decoded.consumed = consumed;
      decoded.plaintext = content;
      return decoded;
    }
    case kAlert: {
      if (content.size() != 2) return refuse(kDecodeError, "malformed alert");
      if (content[1] != 0) {
        // The peer ended the connection with an error; nothing to send back.
        Decoded decoded = refuse(content[1], "the peer sent a fatal alert");
        decoded.peerAlert = true;
        return decoded;
      }
      Decoded decoded;
      decoded.kind = Kind::kCloseNotify;
      decoded.consumed = consumed;
      return decoded;
    }
    case kHandshake:
      return handleHandshake(consumed, content);
    default:
      return refuse(kUnexpectedMessage, "record of an unknown content type");
  }
}

// The only post-handshake message a server using this layer can get is KeyUpdate: no
// tickets are sent to the client (so none come back) and no post-handshake client
// authentication is asked for. A KeyUpdate changes the key, so it must end its record
// (§5.1), and it is 5 bytes; OpenSSL never splits it, and a split one is refused.
Tls13RecordLayer::Decoded Tls13RecordLayer::handleHandshake(size_t consumed, std::span<const uint8_t> content) {
  if (content.size() < 4) return refuse(kUnexpectedMessage, "handshake message split across records (unsupported)");
  size_t length = (size_t{content[1]} << 16) | (size_t{content[2]} << 8) | content[3];
  if (content[0] != kKeyUpdate) {
    return refuse(kUnexpectedMessage, "post-handshake message other than KeyUpdate (unsupported)");
  }
  if (length != 1) return refuse(kDecodeError, "malformed KeyUpdate");
  if (content.size() != 5) {
    return refuse(kUnexpectedMessage, content.size() < 5 ? "handshake message split across records (unsupported)"
                                                         : "data after a KeyUpdate in the same record");
  }
  uint8_t requestUpdate = content[4];
  if (requestUpdate != kUpdateNotRequested && requestUpdate != kUpdateRequested) {
    return refuse(kIllegalParameter, "KeyUpdate with an invalid request_update");
  }
  if (!tls13::nextGeneration(suite_, read_)) return refuse(kUnexpectedMessage, "deriving the next read key failed");
  // §4.6.3: answered with our own KeyUpdate before our next application data.
  if (requestUpdate == kUpdateRequested) owesKeyUpdate_ = true;
  Decoded decoded;
  decoded.kind = Kind::kKeyUpdated;
  decoded.consumed = consumed;
  return decoded;
}

bool Tls13RecordLayer::seal(uint8_t contentType, std::span<const std::span<const uint8_t>> content,
                            std::vector<uint8_t>& out) {
  size_t plaintextBytes = 0;
  for (auto piece : content) plaintextBytes += piece.size();
  if (plaintextBytes > kMaxPlaintext || write_.sequence == std::numeric_limits<uint64_t>::max()) return false;
  size_t length = plaintextBytes + 1 + kTagBytes;
  size_t start = out.size();
  out.resize(start + kHeaderBytes + length);
  uint8_t* record = out.data() + start;
  record[0] = kApplicationData;
  record[1] = 0x03;
  record[2] = 0x03;
  record[3] = static_cast<uint8_t>(length >> 8);
  record[4] = static_cast<uint8_t>(length & 0xff);
  uint8_t* plaintext = record + kHeaderBytes;
  for (auto piece : content) {
    std::copy(piece.begin(), piece.end(), plaintext);
    plaintext += piece.size();
  }
  *plaintext = contentType;
  if (!tls13::sealRecord(suite_, write_, std::span<const uint8_t>(record, kHeaderBytes),
                         std::span<uint8_t>(record + kHeaderBytes, plaintextBytes + 1),
                         record + kHeaderBytes + plaintextBytes + 1)) {
    out.resize(start);
    return false;
  }
  ++write_.sequence;
  return true;
}

bool Tls13RecordLayer::sendKeyUpdate(std::vector<uint8_t>& out) {
  const uint8_t message[] = {kKeyUpdate, 0, 0, 1, kUpdateNotRequested};
  const std::span<const uint8_t> pieces[] = {message};
  if (!seal(kHandshake, pieces, out) || !tls13::nextGeneration(suite_, write_)) return false;
  owesKeyUpdate_ = false;
  return true;
}

bool Tls13RecordLayer::sealApplicationData(std::span<const std::span<const uint8_t>> plaintext,
                                           std::vector<uint8_t>& out) {
  if ((owesKeyUpdate_ || write_.sequence >= kRekeyAfterRecords) && !sendKeyUpdate(out)) return false;
  return seal(kApplicationData, plaintext, out);
}

bool Tls13RecordLayer::sealAlert(uint8_t description, std::vector<uint8_t>& out) {
  // The level is implicit in TLS 1.3 (§6); warning for close_notify, fatal otherwise.
  const uint8_t alert[] = {static_cast<uint8_t>(description == 0 ? 1 : 2), description};
  const std::span<const uint8_t> pieces[] = {alert};
  return seal(kAlert, pieces, out);
}

}  // namespace floe::http
