// The HTTPS server's TLS stream: OpenSSL reading and writing the socket itself
// (SSL_set_fd, non-blocking), with asio only waiting for readiness.
//
// Why not boost::asio::ssl::stream: it keeps two 17 KB buffers per connection in its
// stream_core plus two 17 KB buffers in the BIO pair between OpenSSL and the socket,
// allocated for the connection's whole life. A head holds one kept-alive connection
// per agent, almost always idle, so that was ~70 KB × 10,000 agents. Here an idle
// connection holds only the SSL object; with SSL_MODE_RELEASE_BUFFERS OpenSSL frees
// its record buffers between requests (tests/bench/README.md has the figures).
//
// It models Beast's AsyncReadStream/AsyncWriteStream (async_read_some,
// async_write_some, get_executor) for one reader and one writer at a time, which is
// all an HTTP/1.1 server session does. Timeouts are the owner's job (close socket()).
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

namespace floe::http {

class TlsSocketStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using error_code = boost::system::error_code;

  // `ctx` is the server's; the SSL object takes its own reference to it.
  TlsSocketStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* ctx)
      : socket_(std::move(socket)), ssl_(SSL_new(ctx)) {
    if (ssl_ == nullptr) return;
    error_code ignored;
    socket_.non_blocking(true, ignored);
    SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
    SSL_set_accept_state(ssl_);
    // A write may stop after a record (write_some), and may be retried from a moved buffer.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // One recv(2) for whatever has arrived, instead of one for each record's 5-byte
    // header and one for its body.
    SSL_set_read_ahead(ssl_, 1);
  }
  ~TlsSocketStream() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  TlsSocketStream(const TlsSocketStream&) = delete;
  TlsSocketStream& operator=(const TlsSocketStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  SSL* native_handle() { return ssl_; }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](SSL* ssl, size_t&) { return SSL_do_handshake(ssl); }, std::forward<Token>(token));
  }

  // Sends close_notify (once); does not wait for the peer's, as browsers and curl
  // rarely send one: the connection is closed right after anyway.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run([](SSL* ssl, size_t&) { return SSL_shutdown(ssl) >= 0 ? 1 : -1; },
               std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer first = firstNonEmpty<boost::asio::mutable_buffer>(buffers);
    return run([first](SSL* ssl, size_t& done) {
                 return first.size() == 0 ? 1 : SSL_read_ex(ssl, first.data(), first.size(), &done);
               },
               std::forward<Token>(token));
  }

  // Small buffers (an HTTP header, then a small body) are gathered into one TLS record
  // so a short response costs one record and one write(2) instead of one per buffer.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    auto first = firstNonEmpty<boost::asio::const_buffer>(buffers);
    std::vector<unsigned char> gathered;
    if (first.size() < kGatherLimit && boost::asio::buffer_size(buffers) > first.size()) {
      gathered.resize(std::min(kGatherLimit, boost::asio::buffer_size(buffers)));
      boost::asio::buffer_copy(boost::asio::buffer(gathered), buffers);
    }
    return run([first, gathered = std::move(gathered)](SSL* ssl, size_t& done) {
                 if (!gathered.empty()) return SSL_write_ex(ssl, gathered.data(), gathered.size(), &done);
                 return first.size() == 0 ? 1 : SSL_write_ex(ssl, first.data(), first.size(), &done);
               },
               std::forward<Token>(token));
  }

 private:
  static constexpr size_t kGatherLimit = 4096;

  template <class Buffer, class Sequence>
  static Buffer firstNonEmpty(const Sequence& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      Buffer buffer(*it);
      if (buffer.size() > 0) return buffer;
    }
    return Buffer();
  }

  // Repeats `step(ssl, bytesDone)` (an SSL_* call: > 0 done) until it is done or fails,
  // waiting for the socket to become readable or writable when OpenSSL asks to.
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
      if (stream.ssl_ == nullptr) return self.complete(boost::asio::error::no_memory, 0);
      // Closed by the owner (a timeout) while this step was queued: the descriptor
      // number may already belong to another connection, so OpenSSL must not touch it.
      if (!stream.socket_.is_open()) return self.complete(boost::asio::error::operation_aborted, 0);
      ERR_clear_error();
      size_t done = 0;
      int result = step(stream.ssl_, done);
      if (result > 0) return self.complete(error_code(), done);
      switch (SSL_get_error(stream.ssl_, result)) {
        case SSL_ERROR_WANT_READ:
          return stream.socket_.async_wait(boost::asio::ip::tcp::socket::wait_read, std::move(self));
        case SSL_ERROR_WANT_WRITE:
          return stream.socket_.async_wait(boost::asio::ip::tcp::socket::wait_write, std::move(self));
        case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
          return self.complete(boost::asio::error::eof, 0);
        case SSL_ERROR_SYSCALL: {
          int savedErrno = errno;
          ERR_clear_error();
          // OpenSSL 1.1 reports a TCP close without close_notify as SYSCALL with errno 0.
          if (savedErrno == 0) return self.complete(boost::asio::ssl::error::stream_truncated, 0);
          return self.complete(error_code(savedErrno, boost::system::system_category()), 0);
        }
        default: {
          unsigned long code = ERR_get_error();
          ERR_clear_error();
          if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return self.complete(boost::asio::ssl::error::stream_truncated, 0);
          }
          return self.complete(error_code(static_cast<int>(code), boost::asio::error::get_ssl_category()), 0);
        }
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
};

}  // namespace floe::http
