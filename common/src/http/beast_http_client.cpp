#include "floe/http/beast_http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <optional>

namespace floe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

constexpr size_t kMaxResponseBodyBytes = 64 * 1024 * 1024;

struct Target {
  std::string host;
  std::string port;
  std::string pathAndQuery;
};

Result<Target> parseUrl(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "https" || parsed->host().empty()) {
    return invalidArgument("'" + url + "' is not an https:// URL");
  }
  Target target;
  // host_address() keeps IPv6 literals without brackets, as the resolver wants them.
  target.host = parsed->host_address();
  target.port = parsed->has_port() ? std::string(parsed->port()) : "443";
  target.pathAndQuery = std::string(parsed->encoded_path());
  if (target.pathAndQuery.empty()) target.pathAndQuery = "/";
  if (parsed->has_query()) target.pathAndQuery += "?" + std::string(parsed->encoded_query());
  return target;
}

class BeastHttpClient final : public HttpClient {
 public:
  explicit BeastHttpClient(ClientTlsOptions tls) : tls_(std::move(tls)), ssl_(ssl::context::tls_client) {}

  Result<ClientResponse> send(const ClientRequest& request) override {
    std::lock_guard lock(mutex_);
    if (!configured_) {
      FLOE_RETURN_IF_ERROR(configureTls());
      configured_ = true;
    }
    FLOE_ASSIGN_OR_RETURN(Target target, parseUrl(request.url));
    std::string endpoint = target.host + ":" + target.port;
    bool reused = stream_ && connectedTo_ == endpoint;
    if (!reused) {
      close();
      FLOE_RETURN_IF_ERROR(connect(target, request).withContext(request.method + " " + request.url));
    }
    bool responseStarted = false;
    auto response = exchange(target, request, responseStarted);
    // The head may have closed a kept-alive connection while it sat idle; then the request
    // never reached it, and one retry on a fresh connection is safe.
    if (!response.isOk() && reused && !responseStarted &&
        response.status().code() != ErrorCode::kDeadlineExceeded) {
      close();
      FLOE_RETURN_IF_ERROR(connect(target, request).withContext(request.method + " " + request.url));
      response = exchange(target, request, responseStarted);
    }
    if (!response.isOk()) {
      close();
      return response.status().withContext(request.method + " " + request.url);
    }
    return response;
  }

 private:
  Status configureTls() {
    beast::error_code ec;
    SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
    if (tls_.insecureSkipVerify) {
      ssl_.set_verify_mode(ssl::verify_none);
    } else {
      ssl_.set_verify_mode(ssl::verify_peer);
      if (tls_.caFile.empty()) {
        ssl_.set_default_verify_paths(ec);
      } else {
        ssl_.load_verify_file(tls_.caFile, ec);
      }
      if (ec) return invalidArgument("loading CA certificate " + tls_.caFile + ": " + ec.message());
    }
    if (!tls_.clientCertFile.empty()) {
      ssl_.use_certificate_chain_file(tls_.clientCertFile, ec);
      if (ec) return invalidArgument("loading client certificate " + tls_.clientCertFile + ": " + ec.message());
      ssl_.use_private_key_file(tls_.clientKeyFile, ssl::context::pem, ec);
      if (ec) return invalidArgument("loading client key " + tls_.clientKeyFile + ": " + ec.message());
    }
    return Status::ok();
  }

  // Runs the queued asynchronous operation until it completes or `timeout` passes;
  // false when it timed out. (The cancelled handler still runs and sets `done`, so
  // `done` itself cannot tell a timeout from a completion.)
  bool runFor(std::chrono::milliseconds timeout, const bool& done) {
    io_.restart();
    io_.run_for(timeout);
    bool completed = done;
    if (!completed) {
      // Cancel by closing, then let the cancelled handler run so nothing dangles.
      if (stream_) {
        beast::error_code ignored;
        beast::get_lowest_layer(*stream_).socket().close(ignored);
      }
      io_.restart();
      io_.run();
    }
    return completed;
  }

  Status connect(const Target& target, const ClientRequest& request) {
    tcp::resolver resolver(io_);
    beast::error_code ec;
    bool done = false;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(target.host, target.port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
      done = true;
    });
    if (!runFor(request.timeout, done)) return deadlineExceeded("resolving " + target.host + " timed out");
    if (ec) return unavailable("cannot resolve " + target.host + ": " + ec.message());

    stream_.emplace(io_, ssl_);
    // SNI carries host names only (RFC 6066), never IP literals.
    boost::system::error_code notAnAddress;
    asio::ip::make_address(target.host, notAnAddress);
    // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
    if (notAnAddress && SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                 const_cast<char*>(target.host.c_str())) != 1) {
      return internalError("cannot set TLS server name");
    }
    if (!tls_.insecureSkipVerify) stream_->set_verify_callback(ssl::host_name_verification(target.host));
    done = false;
    beast::get_lowest_layer(*stream_).async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!runFor(request.timeout, done)) return deadlineExceeded("connecting to " + target.host + ":" + target.port + " timed out");
    if (ec) return unavailable("cannot connect to " + target.host + ":" + target.port + ": " + ec.message());
    done = false;
    stream_->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    if (!runFor(request.timeout, done)) return deadlineExceeded("TLS handshake with " + target.host + " timed out");
    if (ec) return unavailable("TLS handshake with " + target.host + ":" + target.port + " failed: " + ec.message());
    connectedTo_ = target.host + ":" + target.port;
    return Status::ok();
  }

  Result<ClientResponse> exchange(const Target& target, const ClientRequest& request, bool& responseStarted) {
    bhttp::request<bhttp::string_body> raw;
    raw.method_string(request.method);
    raw.target(target.pathAndQuery);
    raw.version(11);
    raw.set(bhttp::field::host, target.host);
    raw.set(bhttp::field::user_agent, "floe/" FLOE_VERSION);
    for (const auto& [name, value] : request.headers) raw.set(name, value);
    raw.body() = request.body;
    raw.keep_alive(true);
    raw.prepare_payload();

    beast::error_code ec;
    bool done = false;
    bhttp::async_write(*stream_, raw, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!runFor(request.timeout, done)) return deadlineExceeded("sending the request timed out");
    if (ec) return unavailable("sending the request failed: " + ec.message());

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBodyBytes);
    done = false;
    bhttp::async_read(*stream_, buffer_, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!runFor(request.timeout, done)) return deadlineExceeded("waiting for the response timed out");
    responseStarted = parser.got_some();
    if (ec) return unavailable("reading the response failed: " + ec.message());

    auto message = parser.release();
    ClientResponse response;
    response.status = static_cast<long>(message.result_int());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = std::string(field.value());
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) close();
    return response;
  }

  void close() {
    // A plain close, without a TLS close_notify round trip: the server treats the
    // truncated stream as a normal disconnect.
    if (stream_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*stream_).socket().close(ignored);
    }
    stream_.reset();
    buffer_.clear();
    connectedTo_.clear();
  }

  ClientTlsOptions tls_;
  std::mutex mutex_;
  asio::io_context io_;
  ssl::context ssl_;
  bool configured_ = false;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  std::string connectedTo_;
};

}  // namespace

std::unique_ptr<HttpClient> makeBeastHttpClient(ClientTlsOptions tls) {
  return std::make_unique<BeastHttpClient>(std::move(tls));
}

}  // namespace floe::http
