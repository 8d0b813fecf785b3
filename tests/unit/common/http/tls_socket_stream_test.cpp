// TlsSocketStream over real TCP on 127.0.0.1: an echo server on the stream (handshake
// by OpenSSL, then handOffToRecordLayer) and an OpenSSL client on a blocking socket
// that decides how its bytes are sent (whole, one byte per send, tampered). Covers both
// paths: handed off (TLS 1.3 AES-GCM) and kept on OpenSSL (TLS 1.2, ChaCha20).
#include "http/tls_socket_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "tls_test_peers.h"

namespace floe::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::ClientOptions;
using testing::MemoryTlsEndpoint;
using testing::patternBytes;

const testing::TestPki& pki() {
  static const testing::TestPki shared;
  return shared;
}

struct Outcome {
  bool handedOff = false;
  boost::system::error_code error;  // what ended the echo loop
};

// Echoes what it reads until the stream ends; on a clean end (close_notify) it sends
// its own close_notify.
class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  EchoSession(tcp::socket socket, SSL_CTX* ctx, size_t readBuffer, std::promise<Outcome>& done)
      : stream_(std::move(socket), ctx), buffer_(readBuffer), done_(done) {}

  void start() {
    stream_.async_handshake([self = shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->finish(ec);
      self->outcome_.handedOff = self->stream_.handOffToRecordLayer().isOk();
      self->read();
    });
  }

 private:
  void read() {
    stream_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
      if (ec == asio::error::eof) {
        return self->stream_.async_shutdown([self, ec](boost::system::error_code, size_t) { self->finish(ec); });
      }
      if (ec) return self->finish(ec);
      asio::async_write(self->stream_, asio::buffer(self->buffer_.data(), n),
                        [self](boost::system::error_code writeError, size_t) {
                          if (writeError) return self->finish(writeError);
                          self->read();
                        });
    });
  }

  void finish(boost::system::error_code ec) {
    outcome_.error = ec;
    done_.set_value(outcome_);
  }

  TlsSocketStream stream_;
  std::vector<uint8_t> buffer_;
  std::promise<Outcome>& done_;
  Outcome outcome_;
};

class EchoServer {
 public:
  explicit EchoServer(size_t readBuffer = 65536, bool captureSecrets = true)
      : ctx_(pki().serverContext(captureSecrets)), acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    acceptor_.async_accept([this, readBuffer](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;  // the test failed to connect; it reports that itself
      std::make_shared<EchoSession>(std::move(socket), ctx_.get(), readBuffer, done_)->start();
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  Outcome outcome() {
    auto future = done_.get_future();
    REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return future.get();
  }

 private:
  testing::SslCtxPtr ctx_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::promise<Outcome> done_;
  std::thread thread_;
};

// An OpenSSL client whose records go over a blocking TCP socket, as the test sends them.
class Client {
 public:
  Client(uint16_t port, ClientOptions options = {})
      : ctx_(pki().clientContext(options)), tls_(ctx_.get(), false), socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    socket_.set_option(tcp::no_delay(true));
    timeval timeout{10, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (SSL_do_handshake(tls_.ssl()) != 1) {
      REQUIRE(SSL_get_error(tls_.ssl(), -1) == SSL_ERROR_WANT_READ);
      sendOutput(1 << 20);
      receive();
    }
    sendOutput(1 << 20);  // the client's Finished
  }

  MemoryTlsEndpoint& tls() { return tls_; }
  std::string version() { return SSL_get_version(tls_.ssl()); }

  // Sends what OpenSSL produced, `step` bytes per send(2).
  void sendOutput(size_t step) { sendRaw(tls_.takeOutput(), step); }
  void sendRaw(const std::vector<uint8_t>& bytes, size_t step) {
    for (size_t offset = 0; offset < bytes.size(); offset += step) {
      asio::write(socket_, asio::buffer(bytes.data() + offset, std::min(step, bytes.size() - offset)));
      if (step < 16) std::this_thread::sleep_for(std::chrono::microseconds(200));  // separate segments
    }
  }
  // One recv(2) into OpenSSL's input; false at the end of the stream.
  bool receive() {
    uint8_t chunk[65536];
    ssize_t got = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    tls_.give(std::vector<uint8_t>(chunk, chunk + got));
    return true;
  }

  std::vector<uint8_t> echo(const std::vector<uint8_t>& data, size_t step = 1 << 20) {
    tls_.write(data);
    sendOutput(step);
    std::vector<uint8_t> back;
    while (back.size() < data.size()) {
      auto got = tls_.readAvailable();
      back.insert(back.end(), got.begin(), got.end());
      if (back.size() < data.size() && !receive()) break;
    }
    return back;
  }

  // close_notify, then whether the server answered with its own.
  bool closeCleanly() {
    SSL_shutdown(tls_.ssl());
    sendOutput(1 << 20);
    while (receive()) {
      uint8_t byte;
      size_t done = 0;
      if (SSL_read_ex(tls_.ssl(), &byte, 1, &done) == 0 && SSL_get_error(tls_.ssl(), 0) == SSL_ERROR_ZERO_RETURN) {
        return true;
      }
    }
    return false;
  }

  void closeTcp() { socket_.close(); }

 private:
  testing::SslCtxPtr ctx_;
  testing::MemoryTlsEndpoint tls_;
  asio::io_context io_;
  tcp::socket socket_;
};

TEST_CASE("TlsSocketStream: after the hand-off, echoes every size through small and large reads", "[http][tls]") {
  auto size = GENERATE(as<size_t>{}, 1, 16384, 16385, 100 * 1024);
  auto readBuffer = GENERATE(as<size_t>{}, 512, 65536);
  EchoServer server(readBuffer);
  Client client(server.port());
  CHECK(client.version() == "TLSv1.3");
  auto data = patternBytes(size);
  CHECK(client.echo(data) == data);
  CHECK(client.echo({'!'}) == std::vector<uint8_t>{'!'});
  CHECK(client.closeCleanly());
  auto outcome = server.outcome();
  CHECK(outcome.handedOff);
  CHECK(outcome.error == asio::error::eof);
}

TEST_CASE("TlsSocketStream: records arriving one byte per segment", "[http][tls]") {
  EchoServer server;
  Client client(server.port());
  auto data = patternBytes(700);
  CHECK(client.echo(data, 1) == data);
  CHECK(client.echo(data, 3) == data);
  client.closeCleanly();
  CHECK(server.outcome().handedOff);
}

TEST_CASE("TlsSocketStream: the client's KeyUpdate mid-stream", "[http][tls]") {
  EchoServer server;
  Client client(server.port());
  for (int round = 0; round < 3; ++round) {
    REQUIRE(SSL_key_update(client.tls().ssl(),
                           round == 1 ? SSL_KEY_UPDATE_NOT_REQUESTED : SSL_KEY_UPDATE_REQUESTED) == 1);
    auto data = patternBytes(20'000, static_cast<uint8_t>(round));
    CHECK(client.echo(data) == data);
  }
  CHECK(client.closeCleanly());
  CHECK(server.outcome().handedOff);
}

TEST_CASE("TlsSocketStream: TLS 1.2 and ChaCha20 clients stay on OpenSSL and are served", "[http][tls]") {
  ClientOptions options;
  SECTION("TLS 1.2") { options.maxVersion = TLS1_2_VERSION; }
  SECTION("TLS 1.3 ChaCha20-Poly1305") { options.tls13Ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"; }
  EchoServer server(512);
  Client client(server.port(), options);
  auto data = patternBytes(100 * 1024);
  CHECK(client.echo(data) == data);
  CHECK(client.closeCleanly());
  auto outcome = server.outcome();
  CHECK_FALSE(outcome.handedOff);
  CHECK(outcome.error == asio::error::eof);
}

TEST_CASE("TlsSocketStream: a server that does not capture secrets stays on OpenSSL", "[http][tls]") {
  EchoServer server(65536, false);
  Client client(server.port());
  CHECK(client.echo({'a', 'b'}) == std::vector<uint8_t>{'a', 'b'});
  client.closeCleanly();
  CHECK_FALSE(server.outcome().handedOff);
}

TEST_CASE("TlsSocketStream: a tampered record closes the connection with an alert", "[http][tls]") {
  EchoServer server;
  Client client(server.port());
  CHECK(client.echo({'o', 'k'}) == std::vector<uint8_t>{'o', 'k'});
  client.tls().write(patternBytes(50));
  auto record = client.tls().takeOutput();
  record[10] ^= 0x80;
  client.sendRaw(record, 1 << 20);
  auto outcome = server.outcome();
  CHECK(outcome.handedOff);
  CHECK(outcome.error == boost::system::errc::protocol_error);
  // The server said why before closing: OpenSSL reports the bad_record_mac alert.
  while (client.receive()) {
  }
  uint8_t byte;
  size_t done = 0;
  CHECK(SSL_read_ex(client.tls().ssl(), &byte, 1, &done) == 0);
  CHECK(SSL_get_error(client.tls().ssl(), 0) == SSL_ERROR_SSL);
  CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_SSLV3_ALERT_BAD_RECORD_MAC);
  ERR_clear_error();
}

TEST_CASE("TlsSocketStream: a TCP close without close_notify is a truncated stream", "[http][tls]") {
  EchoServer server;
  Client client(server.port());
  CHECK(client.echo({'x'}) == std::vector<uint8_t>{'x'});
  client.closeTcp();
  auto outcome = server.outcome();
  CHECK(outcome.handedOff);
  CHECK(outcome.error == asio::ssl::error::stream_truncated);
}

}  // namespace
}  // namespace floe::http
