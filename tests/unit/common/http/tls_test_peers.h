// Real OpenSSL peers for the TLS record-layer tests: a cluster-like PKI (CA, server
// certificate, client certificate) from floe::pki, a server context configured like
// the head's (https_server.cpp: TLS 1.2+, no tickets, optional client certificate,
// TLS 1.3 secrets captured) and an OpenSSL client whose records travel through memory
// BIOs, so a test decides how its bytes reach the other side (all at once, byte by
// byte, tampered, reordered).
#pragma once

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "floe/pki/certificate_authority.h"
#include "floe/pki/private_key.h"
#include "http/tls13_handoff.h"

namespace floe::http::testing {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// What a client may ask for, to reach the hand-off or each of its refusals.
struct ClientOptions {
  int maxVersion = TLS1_3_VERSION;
  const char* tls13Ciphersuites = nullptr;  // OpenSSL's default list when null
  bool presentCertificate = true;
};

// One CA, the server's certificate and key, a client certificate and key. The TLS
// handshake verifies them against the real clock, so they are issued for "now".
class TestPki {
 public:
  TestPki() {
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    ca_.emplace(pki::CertificateAuthority::create("tls test CA", now, std::chrono::hours(1)).value());
    serverKey_.emplace(pki::PrivateKey::generateEcP256().value());
    server_.emplace(ca_->issueServerCertificate(*serverKey_, "127.0.0.1", {{}, {"127.0.0.1"}, {}}, now,
                                                std::chrono::hours(1))
                        .value());
    clientKey_.emplace(pki::PrivateKey::generateEcP256().value());
    client_.emplace(ca_->issueClientCertificate(*clientKey_, {"worker", "floe-node", {}}, now,
                                                std::chrono::hours(1))
                        .value());
  }

  // Configured as the head's server context is (keep in step with https_server.cpp).
  SslCtxPtr serverContext(bool captureSecrets = true, size_t tickets = 0) const {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_num_tickets(ctx.get(), tickets);
    REQUIRE(SSL_CTX_use_certificate(ctx.get(), server_->get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), serverKey_->get()) == 1);
    REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca_->certificate().get()) == 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (captureSecrets) captureTls13Secrets(ctx.get());
    return ctx;
  }

  SslCtxPtr clientContext(const ClientOptions& options) const {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_max_proto_version(ctx.get(), options.maxVersion);
    if (options.tls13Ciphersuites != nullptr) {
      REQUIRE(SSL_CTX_set_ciphersuites(ctx.get(), options.tls13Ciphersuites) == 1);
    }
    REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca_->certificate().get()) == 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (options.presentCertificate) {
      REQUIRE(SSL_CTX_use_certificate(ctx.get(), client_->get()) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), clientKey_->get()) == 1);
    }
    return ctx;
  }

 private:
  std::optional<pki::CertificateAuthority> ca_;
  std::optional<pki::PrivateKey> serverKey_;
  std::optional<pki::Certificate> server_;
  std::optional<pki::PrivateKey> clientKey_;
  std::optional<pki::Certificate> client_;
};

// An OpenSSL connection whose network side is two memory BIOs: what it sends piles up
// in `takeOutput()`, what it should receive is handed in with `give()`.
class MemoryTlsEndpoint {
 public:
  MemoryTlsEndpoint(SSL_CTX* ctx, bool server) : ssl_(SSL_new(ctx)) {
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);  // "no data yet", not end of stream
    SSL_set_bio(ssl_.get(), in, out);
    in_ = in;
    out_ = out;
    if (server) {
      SSL_set_accept_state(ssl_.get());
    } else {
      SSL_set_connect_state(ssl_.get());
    }
  }

  SSL* ssl() { return ssl_.get(); }
  SSL* release() {
    in_ = out_ = nullptr;
    return ssl_.release();
  }

  void give(const std::vector<uint8_t>& bytes) {
    if (!bytes.empty()) REQUIRE(BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()));
  }
  // What was given but OpenSSL has not read (it stays in the BIO).
  std::vector<uint8_t> takeUnread() {
    std::vector<uint8_t> bytes(static_cast<size_t>(BIO_ctrl_pending(in_)));
    if (!bytes.empty()) REQUIRE(BIO_read(in_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()));
    return bytes;
  }
  std::vector<uint8_t> takeOutput() {
    std::vector<uint8_t> bytes(static_cast<size_t>(BIO_ctrl_pending(out_)));
    if (!bytes.empty()) REQUIRE(BIO_read(out_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()));
    return bytes;
  }

  // Writes all of `data` as application data (OpenSSL splits it into records).
  void write(const std::vector<uint8_t>& data) {
    size_t written = 0;
    while (written < data.size()) {
      size_t done = 0;
      REQUIRE(SSL_write_ex(ssl_.get(), data.data() + written, data.size() - written, &done) == 1);
      written += done;
    }
  }
  // Everything readable from what it was given.
  std::vector<uint8_t> readAvailable() {
    std::vector<uint8_t> data;
    uint8_t chunk[4096];
    size_t done = 0;
    while (SSL_read_ex(ssl_.get(), chunk, sizeof chunk, &done) == 1) data.insert(data.end(), chunk, chunk + done);
    return data;
  }

 private:
  SslPtr ssl_;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

// Runs a handshake between two memory endpoints, passing each flight over whole.
inline bool handshake(MemoryTlsEndpoint& client, MemoryTlsEndpoint& server) {
  for (int round = 0; round < 10; ++round) {
    int clientDone = SSL_do_handshake(client.ssl());
    server.give(client.takeOutput());
    int serverDone = SSL_do_handshake(server.ssl());
    client.give(server.takeOutput());
    if (clientDone == 1 && serverDone == 1) return true;
  }
  return false;
}

inline std::vector<uint8_t> patternBytes(size_t size, uint8_t seed = 0) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 31 + seed + (i >> 8));
  return bytes;
}

}  // namespace floe::http::testing
