// Tls13RecordLayer against OpenSSL as the peer: a real TLS 1.3 mutual-TLS handshake
// between two OpenSSL endpoints in memory, the server's secrets captured as the head
// captures them, then the server handed off to our layer and its SSL freed. Every
// record our layer decodes was written by OpenSSL's client, and every record it seals
// is read by OpenSSL's client.
#include "http/tls13_record_layer.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/tls13_handoff.h"
#include "tls_test_peers.h"

namespace floe::http {
namespace {

using testing::ClientOptions;
using testing::MemoryTlsEndpoint;
using testing::patternBytes;
using Kind = Tls13RecordLayer::Decoded::Kind;

const testing::TestPki& pki() {
  static const testing::TestPki shared;
  return shared;
}

// A client connected to a server that was handed off to Tls13RecordLayer.
struct HandedOff {
  testing::SslCtxPtr serverCtx;
  testing::SslCtxPtr clientCtx;
  std::optional<MemoryTlsEndpoint> client;
  Tls13HandshakeSecrets secrets;
  std::optional<Tls13RecordLayer> server;
  std::vector<uint8_t> unreadByServer;  // bytes OpenSSL left in its input at the hand-off
  Status refusal;
};

// `beforeServerFinishes` runs on the client once its handshake is done and before the
// server has read its Finished (to send a request right behind it).
std::unique_ptr<HandedOff> connect(ClientOptions options = {}, size_t tickets = 0, bool readAhead = false,
                                   std::vector<uint8_t> behindFinished = {}) {
  auto c = std::make_unique<HandedOff>();
  c->serverCtx = pki().serverContext(true, tickets);
  c->clientCtx = pki().clientContext(options);
  c->client.emplace(c->clientCtx.get(), false);
  MemoryTlsEndpoint server(c->serverCtx.get(), true);
  REQUIRE(attachTls13Secrets(server.ssl(), &c->secrets));
  SSL_set_read_ahead(server.ssl(), readAhead ? 1 : 0);  // as TlsSocketStream does
  for (int round = 0; round < 10 && !SSL_is_init_finished(server.ssl()); ++round) {
    int clientDone = SSL_do_handshake(c->client->ssl());
    if (clientDone == 1 && !behindFinished.empty()) {
      c->client->write(behindFinished);
      behindFinished.clear();
    }
    server.give(c->client->takeOutput());
    SSL_do_handshake(server.ssl());
    c->client->give(server.takeOutput());
  }
  REQUIRE(SSL_is_init_finished(server.ssl()));
  REQUIRE(SSL_do_handshake(c->client->ssl()) == 1);
  auto layer = takeOverFromOpenSsl(server.ssl(), c->secrets);
  if (layer.isOk()) {
    c->server.emplace(std::move(layer).value());
    c->unreadByServer = server.takeUnread();
  } else {
    c->refusal = layer.status();
  }
  return c;
}

// Everything our layer made of `wire`, fed `step` bytes at a time.
struct Decoding {
  std::vector<uint8_t> data;
  int records = 0;
  int keyUpdates = 0;
  bool closeNotify = false;
  Tls13RecordLayer::Decoded error;
  bool failed = false;
};

Decoding decodeAll(Tls13RecordLayer& layer, const std::vector<uint8_t>& wire, size_t step) {
  Decoding result;
  std::vector<uint8_t> pending;
  for (size_t offset = 0; offset < wire.size() && !result.failed;) {
    size_t take = std::min(step, wire.size() - offset);
    pending.insert(pending.end(), wire.begin() + static_cast<std::ptrdiff_t>(offset),
                   wire.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
    for (;;) {
      auto decoded = layer.decode(pending);
      if (decoded.kind == Kind::kNeedMore) break;
      if (decoded.kind == Kind::kError) {
        result.error = decoded;
        result.failed = true;
        break;
      }
      ++result.records;
      if (decoded.kind == Kind::kApplicationData) {
        result.data.insert(result.data.end(), decoded.plaintext.begin(), decoded.plaintext.end());
      }
      result.keyUpdates += decoded.kind == Kind::kKeyUpdated;
      result.closeNotify |= decoded.kind == Kind::kCloseNotify;
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(decoded.consumed));
    }
  }
  REQUIRE((result.failed || pending.empty()));
  return result;
}

std::vector<uint8_t> seal(Tls13RecordLayer& layer, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> wire;
  for (size_t offset = 0; offset < data.size() || offset == 0;) {
    size_t take = std::min(Tls13RecordLayer::kMaxPlaintext, data.size() - offset);
    const std::span<const uint8_t> pieces[] = {std::span(data).subspan(offset, take)};
    REQUIRE(layer.sealApplicationData(pieces, wire));
    offset += take;
    if (data.empty()) break;
  }
  return wire;
}

TEST_CASE("Tls13RecordLayer: decodes OpenSSL's records of every size, whole and split", "[http][tls]") {
  auto size = GENERATE(as<size_t>{}, 1, 100, 16384, 16385, 100 * 1024);
  auto step = GENERATE(as<size_t>{}, 1, 7, 1 << 20);
  auto c = connect();
  REQUIRE(c->server);
  auto data = patternBytes(size);
  c->client->write(data);
  auto decoded = decodeAll(*c->server, c->client->takeOutput(), step);
  REQUIRE_FALSE(decoded.failed);
  CHECK(decoded.data == data);
  CHECK(decoded.records == static_cast<int>((size + 16383) / 16384));
}

TEST_CASE("Tls13RecordLayer: OpenSSL reads the records it seals", "[http][tls]") {
  auto size = GENERATE(as<size_t>{}, 0, 1, 16384, 16385, 100 * 1024);
  auto c = connect();
  REQUIRE(c->server);
  auto data = patternBytes(size, 3);
  c->client->give(seal(*c->server, data));
  CHECK(c->client->readAvailable() == data);
  // And the connection goes on in both directions.
  c->client->write({'o', 'k'});
  CHECK(decodeAll(*c->server, c->client->takeOutput(), 1 << 20).data == std::vector<uint8_t>{'o', 'k'});
}

TEST_CASE("Tls13RecordLayer: refuses to seal more than one record's plaintext", "[http][tls]") {
  auto c = connect();
  auto data = patternBytes(Tls13RecordLayer::kMaxPlaintext + 1);
  const std::span<const uint8_t> pieces[] = {data};
  std::vector<uint8_t> wire;
  CHECK_FALSE(c->server->sealApplicationData(pieces, wire));
  CHECK(wire.empty());
}

TEST_CASE("Tls13RecordLayer: the request right behind the client's Finished is not lost", "[http][tls]") {
  std::vector<uint8_t> request{'G', 'E', 'T', ' ', '/'};
  auto c = connect({}, 0, false, request);
  REQUIRE(c->server);
  CHECK(decodeAll(*c->server, c->unreadByServer, 1 << 20).data == request);

  // With read_ahead on, OpenSSL would have read it already: then the hand-off is refused.
  auto ahead = connect({}, 0, true, request);
  REQUIRE_FALSE(ahead->server);
  CHECK_THAT(ahead->refusal.message(), Catch::Contains("buffered"));
}

TEST_CASE("Tls13RecordLayer: follows the client's KeyUpdate and answers a requested one", "[http][tls]") {
  auto suite = GENERATE(as<const char*>{}, "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
  ClientOptions options;
  options.tls13Ciphersuites = suite;
  auto c = connect(options);
  REQUIRE(c->server);
  CHECK(c->server->suite() == (std::string(suite) == "TLS_AES_128_GCM_SHA256" ? Tls13Suite::kAes128GcmSha256
                                                                             : Tls13Suite::kAes256GcmSha384));
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    REQUIRE(SSL_key_update(c->client->ssl(), SSL_KEY_UPDATE_REQUESTED) == 1);
    auto request = patternBytes(300, static_cast<uint8_t>(round));
    c->client->write(request);
    auto decoded = decodeAll(*c->server, c->client->takeOutput(), round == 1 ? 1 : 1 << 20);
    REQUIRE_FALSE(decoded.failed);
    CHECK(decoded.keyUpdates == 1);
    CHECK(decoded.data == request);
    CHECK(c->server->readSequence() == 1);  // the new key's first record
    CHECK(c->server->owesKeyUpdate());

    auto answer = patternBytes(500, static_cast<uint8_t>(round + 1));
    c->client->give(seal(*c->server, answer));  // our KeyUpdate first, then the answer under the new key
    CHECK_FALSE(c->server->owesKeyUpdate());
    CHECK(c->server->writeSequence() == 1);
    CHECK(c->client->readAvailable() == answer);
  }

  // Not requested: our read key moves, our write key stays.
  REQUIRE(SSL_key_update(c->client->ssl(), SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
  c->client->write({'x'});
  auto decoded = decodeAll(*c->server, c->client->takeOutput(), 1 << 20);
  CHECK(decoded.keyUpdates == 1);
  CHECK_FALSE(c->server->owesKeyUpdate());
  c->client->give(seal(*c->server, {'y'}));
  CHECK(c->client->readAvailable() == std::vector<uint8_t>{'y'});
}

TEST_CASE("Tls13RecordLayer: close_notify ends the stream cleanly", "[http][tls]") {
  auto c = connect();
  c->client->write({'b', 'y', 'e'});
  SSL_shutdown(c->client->ssl());
  auto decoded = decodeAll(*c->server, c->client->takeOutput(), 3);
  CHECK(decoded.data == std::vector<uint8_t>{'b', 'y', 'e'});
  CHECK(decoded.closeNotify);

  // And our close_notify is one OpenSSL recognises.
  std::vector<uint8_t> wire;
  REQUIRE(c->server->sealAlert(0, wire));
  c->client->give(wire);
  uint8_t byte = 0;
  size_t done = 0;
  CHECK(SSL_read_ex(c->client->ssl(), &byte, 1, &done) == 0);
  CHECK(SSL_get_error(c->client->ssl(), 0) == SSL_ERROR_ZERO_RETURN);
}

TEST_CASE("Tls13RecordLayer: a tampered record fails authentication", "[http][tls]") {
  auto where = GENERATE(as<size_t>{}, 1, 2, 5, 20, 0);  // 0: the last byte (the tag)
  auto c = connect();
  c->client->write(patternBytes(100));
  auto wire = c->client->takeOutput();
  wire[where == 0 ? wire.size() - 1 : where] ^= 0x01;
  auto decoded = decodeAll(*c->server, wire, 1 << 20);
  REQUIRE(decoded.failed);
  CHECK(decoded.error.alert == 20);  // bad_record_mac
  CHECK(decoded.data.empty());
}

TEST_CASE("Tls13RecordLayer: a record out of order or replayed fails", "[http][tls]") {
  auto c = connect();
  c->client->write({'a'});
  auto first = c->client->takeOutput();
  c->client->write({'b'});
  auto second = c->client->takeOutput();

  SECTION("the second before the first") {
    auto decoded = decodeAll(*c->server, second, 1 << 20);
    REQUIRE(decoded.failed);
    CHECK(std::string(decoded.error.reason).find("authentication") != std::string::npos);
  }
  SECTION("the first twice") {
    REQUIRE(decodeAll(*c->server, first, 1 << 20).data == std::vector<uint8_t>{'a'});
    CHECK(decodeAll(*c->server, first, 1 << 20).failed);
  }
}

TEST_CASE("Tls13RecordLayer: malformed and unexpected records are refused with a reason", "[http][tls]") {
  auto c = connect();
  auto refused = [&](std::vector<uint8_t> wire) {
    auto decoded = c->server->decode(wire);
    REQUIRE(decoded.kind == Kind::kError);
    return decoded;
  };
  CHECK(refused({22, 3, 3, 0, 1, 0}).alert == 10);          // an unprotected handshake record
  CHECK(refused({20, 3, 3, 0, 1, 1}).alert == 10);          // change_cipher_spec after the handshake
  CHECK(refused({23, 3, 3, 0x41, 0x01}).alert == 22);       // longer than 2^14 + 256
  CHECK(refused({23, 3, 3, 0, 16}).alert == 50);            // no room for a content type and tag
  std::vector<uint8_t> partial{23, 3, 3, 0, 40, 1, 2, 3};
  CHECK(c->server->decode(partial).kind == Kind::kNeedMore);
}

TEST_CASE("Tls13RecordLayer: an empty record is data of length 0; a fatal alert ends with the peer's reason",
          "[http][tls]") {
  auto c = connect();
  // The client's view of the same connection: what OpenSSL never sends on its own.
  size_t length = c->secrets.clientLength;
  auto client = Tls13RecordLayer::create(c->server->suite(), std::span(c->secrets.server).first(length),
                                         std::span(c->secrets.client).first(length));
  REQUIRE(client.isOk());
  std::vector<uint8_t> wire;
  REQUIRE(client->sealApplicationData({}, wire));
  REQUIRE(client->sealAlert(40, wire));  // handshake_failure
  auto empty = c->server->decode(wire);
  REQUIRE(empty.kind == Kind::kApplicationData);
  CHECK(empty.plaintext.empty());
  auto alert = c->server->decode(std::span(wire).subspan(empty.consumed));
  REQUIRE(alert.kind == Kind::kError);
  CHECK(alert.peerAlert);
  CHECK(alert.alert == 40);
}

TEST_CASE("takeOverFromOpenSsl: hands off only TLS 1.3 AES-GCM without tickets", "[http][tls]") {
  SECTION("a client without a certificate (join, health checks) is handed off too") {
    ClientOptions options;
    options.presentCertificate = false;
    CHECK(connect(options)->server.has_value());
  }
  SECTION("TLS 1.2 stays on OpenSSL") {
    ClientOptions options;
    options.maxVersion = TLS1_2_VERSION;
    auto c = connect(options);
    REQUIRE_FALSE(c->server);
    CHECK_THAT(c->refusal.message(), Catch::Contains("TLSv1.2"));
  }
  SECTION("ChaCha20-Poly1305 stays on OpenSSL") {
    ClientOptions options;
    options.tls13Ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
    auto c = connect(options);
    REQUIRE_FALSE(c->server);
    CHECK_THAT(c->refusal.message(), Catch::Contains("CHACHA20"));
  }
  SECTION("session tickets would advance the write sequence") {
    auto c = connect({}, 2);
    REQUIRE_FALSE(c->server);
    CHECK_THAT(c->refusal.message(), Catch::Contains("tickets"));
  }
}

TEST_CASE("Tls13RecordLayer: wipes its keys when moved from", "[http][tls]") {
  auto c = connect();
  Tls13RecordLayer moved = std::move(*c->server);
  // The moved-from layer cannot decrypt anything any more; the new one can.
  c->client->write({'z'});
  auto wire = c->client->takeOutput();
  auto copy = wire;
  CHECK(c->server->decode(copy).kind == Kind::kError);
  CHECK(decodeAll(moved, wire, 1 << 20).data == std::vector<uint8_t>{'z'});
}

}  // namespace
}  // namespace floe::http
