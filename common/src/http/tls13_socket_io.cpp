#include "tls13_socket_io.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>

namespace floe::http {
namespace {

using Kind = Tls13RecordLayer::Decoded::Kind;

// Enough for the largest record; one per I/O thread, so an idle connection has none.
std::span<uint8_t> threadReadScratch() {
  thread_local std::vector<uint8_t> scratch(Tls13RecordLayer::kMaxRecordBytes);
  return scratch;
}

void release(std::vector<uint8_t>& buffer, size_t& start) {
  std::vector<uint8_t>().swap(buffer);
  start = 0;
}

boost::system::error_code lastSystemError() { return {errno, boost::system::system_category()}; }

}  // namespace

size_t Tls13SocketIo::deliver(std::span<const uint8_t> plaintext, std::span<uint8_t> into) {
  size_t now = std::min(plaintext.size(), into.size());
  std::memcpy(into.data(), plaintext.data(), now);
  decrypted_.assign(plaintext.begin() + static_cast<std::ptrdiff_t>(now), plaintext.end());
  decryptedStart_ = 0;
  if (decrypted_.empty()) release(decrypted_, decryptedStart_);
  return now;
}

IoStep Tls13SocketIo::read(int fd, std::span<uint8_t> into) {
  if (into.empty()) return IoStep::done(0);
  if (peerClosed_) return IoStep::failed(boost::asio::error::eof);
  for (;;) {
    if (decryptedStart_ < decrypted_.size()) {
      size_t now = std::min(into.size(), decrypted_.size() - decryptedStart_);
      std::memcpy(into.data(), decrypted_.data() + decryptedStart_, now);
      decryptedStart_ += now;
      if (decryptedStart_ == decrypted_.size()) release(decrypted_, decryptedStart_);
      return IoStep::done(now);
    }

    auto decoded = layer_.decode(std::span(received_).subspan(receivedStart_));
    receivedStart_ += decoded.consumed;
    switch (decoded.kind) {
      case Kind::kApplicationData: {
        size_t now = deliver(decoded.plaintext, into);  // before `received_` (which it points into) goes
        if (receivedStart_ == received_.size()) release(received_, receivedStart_);
        if (now > 0) return IoStep::done(now);
        continue;  // an empty record: allowed, means nothing
      }
      case Kind::kKeyUpdated:
        continue;
      case Kind::kCloseNotify:
        peerClosed_ = true;
        release(received_, receivedStart_);
        return IoStep::failed(boost::asio::error::eof);
      case Kind::kError:
        return refuse(fd, decoded);
      case Kind::kNeedMore:
        break;
    }

    std::span<uint8_t> scratch = threadReadScratch();
    ssize_t got = ::recv(fd, scratch.data(), scratch.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IoStep::wantRead();
    if (got < 0) return IoStep::failed(lastSystemError());
    // The peer closed TCP without close_notify; OpenSSL reports the same.
    if (got == 0) return IoStep::failed(boost::asio::ssl::error::stream_truncated);
    received_.erase(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(receivedStart_));
    receivedStart_ = 0;
    received_.insert(received_.end(), scratch.begin(), scratch.begin() + got);
  }
}

// RFC 8446 §6: a refused record is answered with a fatal alert, then the connection
// closes. Best effort: the alert must not wait for a peer that does not read.
IoStep Tls13SocketIo::refuse(int fd, const Tls13RecordLayer::Decoded& decoded) {
  release(received_, receivedStart_);
  IoStep step = IoStep::failed(boost::system::errc::make_error_code(boost::system::errc::protocol_error));
  step.reason = decoded.reason;
  if (decoded.peerAlert) {
    step.peerAlert = decoded.alert;
  } else if (decoded.alert != 0 && sendingStart_ == sending_.size() && !closeNotifySent_) {
    std::vector<uint8_t> alert;
    if (layer_.sealAlert(decoded.alert, alert)) {
      [[maybe_unused]] ssize_t ignored = ::send(fd, alert.data(), alert.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
  }
  return step;
}

IoStep Tls13SocketIo::write(int fd, std::span<const std::span<const uint8_t>> plaintext) {
  if (closeNotifySent_) return IoStep::failed(boost::asio::error::shut_down);
  if (sendingStart_ == sending_.size()) {
    // Gather at most one record's worth from the first pieces.
    std::array<std::span<const uint8_t>, 16> pieces;
    size_t count = 0;
    size_t total = 0;
    for (auto piece : plaintext) {
      if (count == pieces.size() || total == Tls13RecordLayer::kMaxPlaintext) break;
      size_t take = std::min(piece.size(), Tls13RecordLayer::kMaxPlaintext - total);
      if (take == 0) continue;
      pieces[count++] = piece.first(take);
      total += take;
    }
    if (total == 0) return IoStep::done(0);
    release(sending_, sendingStart_);
    if (!layer_.sealApplicationData(std::span(pieces.data(), count), sending_)) {
      return IoStep::failed(boost::asio::error::no_memory);
    }
    sendingPlaintextBytes_ = total;
  }
  return flush(fd);
}

IoStep Tls13SocketIo::shutdown(int fd) {
  if (!closeNotifySent_) {
    if (sendingStart_ == sending_.size()) release(sending_, sendingStart_);
    if (!layer_.sealAlert(0, sending_)) return IoStep::failed(boost::asio::error::no_memory);
    closeNotifySent_ = true;
  }
  IoStep step = flush(fd);
  if (step.state == IoStep::State::kDone) step.bytes = 0;
  return step;
}

IoStep Tls13SocketIo::flush(int fd) {
  while (sendingStart_ < sending_.size()) {
    ssize_t sent = ::send(fd, sending_.data() + sendingStart_, sending_.size() - sendingStart_, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IoStep::wantWrite();
    if (sent < 0) return IoStep::failed(lastSystemError());
    sendingStart_ += static_cast<size_t>(sent);
  }
  size_t plaintextBytes = sendingPlaintextBytes_;
  release(sending_, sendingStart_);
  sendingPlaintextBytes_ = 0;
  return IoStep::done(plaintextBytes);
}

}  // namespace floe::http
