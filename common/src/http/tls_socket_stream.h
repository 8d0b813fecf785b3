// The HTTPS server's TLS stream: OpenSSL reading and writing the socket itself
// (SSL_set_fd, non-blocking), with asio only waiting for readiness; and, once a TLS 1.3
// handshake is done, our own record layer instead of OpenSSL (handOffToRecordLayer).
//
// Why not boost::asio::ssl::stream: it keeps two 17 KB buffers per connection in its
// stream_core plus two 17 KB buffers in the BIO pair between OpenSSL and the socket,
// allocated for the connection's whole life. A head holds one kept-alive connection
// per agent, almost always idle, so that was ~70 KB × 10,000 agents. On OpenSSL an idle
// connection holds only the SSL object; with SSL_MODE_RELEASE_BUFFERS OpenSSL frees
// its record buffers between requests. Why the hand-off: the SSL object itself, with
// the peer's certificate, was still ~20 KB of the ~28 KB an idle connection cost; after
// it the connection keeps ~200 bytes of keys (tls13_handoff.h says when it is safe,
// tests/bench/README.md has the figures).
//
// It models Beast's AsyncReadStream/AsyncWriteStream (async_read_some,
// async_write_some, get_executor) for one reader and one writer at a time, which is
// all an HTTP/1.1 server session does. Timeouts are the owner's job (close socket()).
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "floe/common/status.h"
#include "tls13_handoff.h"
#include "tls13_socket_io.h"

namespace floe::http {

class TlsSocketStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using error_code = boost::system::error_code;

  // `ctx` is the server's; the SSL object takes its own reference to it. If the context
  // captures TLS 1.3 secrets (captureTls13Secrets), this connection's are kept until
  // handOffToRecordLayer().
  TlsSocketStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* ctx);
  ~TlsSocketStream();
  TlsSocketStream(const TlsSocketStream&) = delete;
  TlsSocketStream& operator=(const TlsSocketStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  // The OpenSSL connection; nullptr after a hand-off. Read the peer's certificate
  // before handing off.
  SSL* native_handle() { return ssl_; }

  // After the handshake: frees the SSL object and continues on Tls13RecordLayer if that
  // is safe (tls13_handoff.h), else stays on OpenSSL and says why (kFailedPrecondition).
  Status handOffToRecordLayer();

  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](TlsSocketStream& self) { return self.sslStep([](SSL* ssl, size_t&) { return SSL_do_handshake(ssl); }); },
               std::forward<Token>(token));
  }

  // Sends close_notify (once); does not wait for the peer's, as browsers and curl
  // rarely send one: the connection is closed right after anyway.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(
        [](TlsSocketStream& self) {
          if (self.recordIo_) return self.recordIo_->shutdown(self.fd());
          return self.sslStep([](SSL* ssl, size_t&) { return SSL_shutdown(ssl) >= 0 ? 1 : -1; });
        },
        std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer first = firstNonEmpty<boost::asio::mutable_buffer>(buffers);
    return run(
        [first](TlsSocketStream& self) {
          if (first.size() == 0) return IoStep::done(0);
          if (self.recordIo_) {
            return self.logged(self.recordIo_->read(
                self.fd(), std::span(static_cast<uint8_t*>(first.data()), first.size())));
          }
          return self.sslStep(
              [first](SSL* ssl, size_t& done) { return SSL_read_ex(ssl, first.data(), first.size(), &done); });
        },
        std::forward<Token>(token));
  }

  // Small buffers (an HTTP header, then a small body) are gathered into one TLS record
  // so a short response costs one record and one write(2) instead of one per buffer.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (!recordIo_) return asyncSslWriteSome(buffers, std::forward<Token>(token));
    // The record layer gathers up to a record's worth of the first pieces itself.
    std::array<std::span<const uint8_t>, 16> pieces;
    size_t count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && count < pieces.size(); ++it) {
      boost::asio::const_buffer buffer(*it);
      pieces[count++] = std::span(static_cast<const uint8_t*>(buffer.data()), buffer.size());
    }
    return run([pieces, count](TlsSocketStream& self) {
                 if (!self.recordIo_) return IoStep::failed(boost::asio::error::operation_not_supported);
                 return self.recordIo_->write(self.fd(), std::span(pieces.data(), count));
               },
               std::forward<Token>(token));
  }

 private:
  static constexpr size_t kGatherLimit = 4096;

  template <class ConstBuffers, class Token>
  auto asyncSslWriteSome(const ConstBuffers& buffers, Token&& token) {
    auto first = firstNonEmpty<boost::asio::const_buffer>(buffers);
    std::vector<unsigned char> gathered;
    if (first.size() < kGatherLimit && boost::asio::buffer_size(buffers) > first.size()) {
      gathered.resize(std::min(kGatherLimit, boost::asio::buffer_size(buffers)));
      boost::asio::buffer_copy(boost::asio::buffer(gathered), buffers);
    }
    return run(
        [first, gathered = std::move(gathered)](TlsSocketStream& self) {
          return self.sslStep([&](SSL* ssl, size_t& done) {
            if (!gathered.empty()) return SSL_write_ex(ssl, gathered.data(), gathered.size(), &done);
            return first.size() == 0 ? 1 : SSL_write_ex(ssl, first.data(), first.size(), &done);
          });
        },
        std::forward<Token>(token));
  }

  template <class Buffer, class Sequence>
  static Buffer firstNonEmpty(const Sequence& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      Buffer buffer(*it);
      if (buffer.size() > 0) return buffer;
    }
    return Buffer();
  }

  int fd() { return static_cast<int>(socket_.native_handle()); }

  // One attempt of an SSL_* call (> 0: done, with `done` bytes), as an IoStep.
  template <class Call>
  IoStep sslStep(Call call) {
    if (ssl_ == nullptr) return IoStep::failed(boost::asio::error::no_memory);
    ERR_clear_error();
    size_t done = 0;
    int result = call(ssl_, done);
    return result > 0 ? IoStep::done(done) : sslFailure(result);
  }
  IoStep sslFailure(int result);
  // Logs why the record layer closed the connection (a refused record, the peer's alert).
  IoStep logged(IoStep step);

  // Repeats `step(stream)` until it is done or fails, waiting for the socket to become
  // readable or writable when it asks to.
  template <class Step>
  struct Operation {
    TlsSocketStream& stream;
    Step step;
    bool started = false;

    template <class Self>
    void operator()(Self& self, error_code waitError = {}) {
      if (!started) {
        // Never complete inside the initiating call (asio's rule for async operations).
        // defer, not post: the step continues this thread's handler, so asio queues it
        // on this thread instead of waking another one (a futex per request).
        started = true;
        return boost::asio::defer(stream.socket_.get_executor(), std::move(self));
      }
      if (waitError) return self.complete(waitError, 0);
      // Closed by the owner (a timeout) while this step was queued: the descriptor
      // number may already belong to another connection, so nothing may touch it.
      if (!stream.socket_.is_open()) return self.complete(boost::asio::error::operation_aborted, 0);
      IoStep result = step(stream);
      switch (result.state) {
        case IoStep::State::kDone:
          return self.complete(error_code(), result.bytes);
        case IoStep::State::kWantRead:
          return stream.socket_.async_wait(boost::asio::ip::tcp::socket::wait_read, std::move(self));
        case IoStep::State::kWantWrite:
          return stream.socket_.async_wait(boost::asio::ip::tcp::socket::wait_write, std::move(self));
        case IoStep::State::kFailed:
          return self.complete(result.error, 0);
      }
    }
  };

  template <class Step, class Token>
  auto run(Step step, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code, size_t)>(
        Operation<Step>{*this, std::move(step)}, token, socket_);
  }

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
  // Only during the handshake, when the context captures TLS 1.3 secrets.
  std::unique_ptr<Tls13HandshakeSecrets> secrets_;
  // After the hand-off.
  std::optional<Tls13SocketIo> recordIo_;
};

}  // namespace floe::http
