#include "tls_socket_stream.h"

#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>

namespace floe::http {

TlsSocketStream::TlsSocketStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* ctx)
    : socket_(std::move(socket)), ssl_(SSL_new(ctx)) {
  if (ssl_ == nullptr) return;
  error_code ignored;
  socket_.non_blocking(true, ignored);
  SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
  SSL_set_accept_state(ssl_);
  // A write may stop after a record (write_some), and may be retried from a moved buffer.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (capturesTls13Secrets(ctx)) {
    secrets_ = std::make_unique<Tls13HandshakeSecrets>();
    if (!attachTls13Secrets(ssl_, secrets_.get())) secrets_.reset();
  }
  // read_ahead: one recv(2) for whatever has arrived, instead of one for each record's
  // 5-byte header and one for its body. Not during a handshake that may be handed off:
  // OpenSSL must read exactly up to the client's Finished, not the request behind it,
  // or the hand-off is refused (SSL_has_pending).
  SSL_set_read_ahead(ssl_, secrets_ ? 0 : 1);
}

TlsSocketStream::~TlsSocketStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

Status TlsSocketStream::handOffToRecordLayer() {
  if (ssl_ == nullptr) return failedPrecondition("no OpenSSL connection to hand off");
  if (!secrets_) return failedPrecondition("staying on OpenSSL: the server's TLS 1.3 record layer is off");
  auto layer = takeOverFromOpenSsl(ssl_, *secrets_);
  attachTls13Secrets(ssl_, nullptr);
  secrets_.reset();
  if (!layer.isOk()) {
    SSL_set_read_ahead(ssl_, 1);
    return layer.status();
  }
  recordIo_.emplace(std::move(layer).value());
  SSL_free(ssl_);
  ssl_ = nullptr;
  return Status::ok();
}

IoStep TlsSocketStream::sslFailure(int result) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return IoStep::wantRead();
    case SSL_ERROR_WANT_WRITE:
      return IoStep::wantWrite();
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      return IoStep::failed(boost::asio::error::eof);
    case SSL_ERROR_SYSCALL: {
      int savedErrno = errno;
      ERR_clear_error();
      // OpenSSL 1.1 reports a TCP close without close_notify as SYSCALL with errno 0.
      if (savedErrno == 0) return IoStep::failed(boost::asio::ssl::error::stream_truncated);
      return IoStep::failed(error_code(savedErrno, boost::system::system_category()));
    }
    default: {
      unsigned long code = ERR_get_error();
      ERR_clear_error();
      if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return IoStep::failed(boost::asio::ssl::error::stream_truncated);
      }
      return IoStep::failed(error_code(static_cast<int>(code), boost::asio::error::get_ssl_category()));
    }
  }
}

IoStep TlsSocketStream::logged(IoStep step) {
  if (step.state != IoStep::State::kFailed || step.reason == nullptr) return step;
  error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  std::string peer = ec ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
  if (step.peerAlert >= 0) {
    spdlog::info("tls connection closed remote={} reason=\"{}\" alert={}", peer, step.reason, step.peerAlert);
  } else {
    spdlog::info("tls connection closed remote={} reason=\"{}\"", peer, step.reason);
  }
  return step;
}

}  // namespace floe::http
