// A TLS 1.3 connection after the hand-off (tls13_handoff.h): Tls13RecordLayer on a
// non-blocking socket. Each call is one non-blocking attempt; TlsSocketStream waits for
// readiness and calls again.
//
// Between requests it holds no buffer: received ciphertext is kept only while a record
// is incomplete, decrypted bytes only while the caller's buffer was too small for a
// record, and an outgoing record only until the kernel took all of it; each buffer is
// freed as soon as it drains. Reads go through one scratch buffer per thread.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tls13_record_layer.h"

namespace floe::http {

// The outcome of one attempt at a socket operation.
struct IoStep {
  enum class State { kDone, kWantRead, kWantWrite, kFailed };
  State state = State::kDone;
  size_t bytes = 0;  // kDone: plaintext bytes read or written
  boost::system::error_code error;
  const char* reason = nullptr;  // kFailed by the TLS layer: why, for the log (no key material)
  int peerAlert = -1;            // the peer's fatal alert, when that was the reason

  static IoStep done(size_t bytes) { return {State::kDone, bytes, {}, nullptr, -1}; }
  static IoStep wantRead() { return {State::kWantRead, 0, {}, nullptr, -1}; }
  static IoStep wantWrite() { return {State::kWantWrite, 0, {}, nullptr, -1}; }
  static IoStep failed(boost::system::error_code error) { return {State::kFailed, 0, error, nullptr, -1}; }
};

class Tls13SocketIo {
 public:
  explicit Tls13SocketIo(Tls13RecordLayer layer) : layer_(std::move(layer)) {}

  // Up to into.size() bytes of application data (never 0 for a non-empty buffer).
  // close_notify ends the stream with asio's eof; a TCP close without it is
  // ssl::error::stream_truncated, as OpenSSL reports it; a refused record fails with
  // errc::protocol_error and a reason, after a best-effort fatal alert to the peer.
  IoStep read(int fd, std::span<uint8_t> into);
  // One record of up to 16 KB gathered from `plaintext`; done once all of it is in the
  // kernel, with the number of plaintext bytes it carried.
  IoStep write(int fd, std::span<const std::span<const uint8_t>> plaintext);
  // Sends close_notify (once).
  IoStep shutdown(int fd);

  const Tls13RecordLayer& recordLayer() const { return layer_; }

 private:
  IoStep flush(int fd);
  IoStep refuse(int fd, const Tls13RecordLayer::Decoded& decoded);
  size_t deliver(std::span<const uint8_t> plaintext, std::span<uint8_t> into);

  Tls13RecordLayer layer_;
  std::vector<uint8_t> received_;  // ciphertext not decoded yet, from receivedStart_
  size_t receivedStart_ = 0;
  std::vector<uint8_t> decrypted_;  // application data not delivered yet, from decryptedStart_
  size_t decryptedStart_ = 0;
  std::vector<uint8_t> sending_;  // protected bytes not sent yet, from sendingStart_
  size_t sendingStart_ = 0;
  size_t sendingPlaintextBytes_ = 0;
  bool peerClosed_ = false;
  bool closeNotifySent_ = false;
};

}  // namespace floe::http
