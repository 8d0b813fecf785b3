#include "floe/http/https_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <list>
#include <mutex>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <optional>

#include "floe/http/peer_identity.h"
#include "floe/http/target.h"
#include "tls_socket_stream.h"

namespace floe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

constexpr std::chrono::milliseconds kAcceptRetryDelay{200};

class Session;

// What every session shares with the server that accepted it.
struct ServerState {
  Handler handler;
  ServerLimits limits;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};
  // Open sessions, so a shutdown can close the idle kept-alive ones at once.
  std::mutex sessionsMutex;
  std::list<std::weak_ptr<Session>> sessions;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket), ctx.native_handle()), timer_(stream_.get_executor()),
        state_(std::move(state)) {}

  ~Session() { --state_->connections; }

  // On shutdown: a connection waiting for its next request is closed now; one in the
  // middle of a request finishes it (keep-alive is then refused) and closes.
  void closeIfIdle() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->waitingForRequest_ && self->parser_ && !self->parser_->got_some()) {
        self->closeSocket();
      }
    });
  }

  void run() {
    // Sockets are accepted onto their own strand; start on it.
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::onRun, shared_from_this()));
  }

 private:
  void onRun() {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto address = endpoint.address();
      if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
      }
      remoteAddress_ = address.to_string();
    }
    armTimeout(state_->limits.handshakeTimeout);
    stream_.async_handshake(beast::bind_front_handler(&Session::onHandshake, shared_from_this()));
  }

  // What beast::tcp_stream's expires_after did: the phase's deadline closes the socket,
  // which fails the pending operation. One timer per session, re-armed per phase.
  void armTimeout(std::chrono::seconds limit) {
    timer_.expires_after(limit);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      if (auto self = weak.lock()) self->closeSocket();
    });
  }

  void closeSocket() {
    beast::error_code ignored;
    timer_.cancel();
    stream_.socket().close(ignored);
  }

  void onHandshake(beast::error_code ec, std::size_t) {
    if (ec) {
      spdlog::debug("tls handshake failed remote={} error=\"{}\"", remoteAddress_, ec.message());
      return;
    }
    peer_ = identifyPeer(stream_.native_handle());
    peer_.remoteAddress = remoteAddress_;
    // The peer's identity is read: OpenSSL's state can go (tls_socket_stream.h).
    Status handOff = stream_.handOffToRecordLayer();
    if (handOff.isOk()) {
      spdlog::debug("tls connection handed off to the record layer remote={}", remoteAddress_);
    } else {
      spdlog::debug("tls connection kept on OpenSSL remote={} reason=\"{}\"", remoteAddress_, handOff.message());
    }
    doRead();
  }

  void doRead() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.maxHeaderBytes));
    parser_->body_limit(state_->limits.maxBodyBytes);
    armTimeout(requestsServed_ == 0 ? state_->limits.readTimeout : state_->limits.idleTimeout);
    waitingForRequest_ = true;
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    waitingForRequest_ = false;
    if (ec == bhttp::error::end_of_stream || ec == ssl::error::stream_truncated) {
      // The client closed between requests (stream_truncated: without close_notify,
      // which many clients do); nothing was lost.
      return doClose();
    }
    if (ec == bhttp::error::header_limit) {
      return sendAndClose(Response::error(431, "header_too_large",
                                          "request headers exceed " +
                                              std::to_string(state_->limits.maxHeaderBytes) +
                                              " bytes"));
    }
    if (ec == bhttp::error::body_limit) {
      return sendAndClose(Response::error(
          413, "payload_too_large",
          "request body exceeds " + std::to_string(state_->limits.maxBodyBytes) + " bytes"));
    }
    if (ec) {
      spdlog::debug("read failed remote={} error=\"{}\"", remoteAddress_, ec.message());
      return;
    }
    auto raw = parser_->release();
    ++requestsServed_;
    Response response = dispatch(raw);
    bool keepAlive = raw.keep_alive() && !state_->stopping.load();
    write(std::move(response), raw.version(), keepAlive);
  }

  Response dispatch(bhttp::request<bhttp::string_body>& raw) {
    Request request;
    request.method = std::string(raw.method_string());
    Status parsed = parseTarget(raw.target(), request);
    if (!parsed.isOk()) return Response::error(400, "invalid_argument", parsed.message());
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(raw.body());
    request.peer = peer_;
    try {
      return state_->handler(request);
    } catch (const std::exception& e) {
      // A handler that throws has a bug; answer 500 instead of dropping the connection.
      spdlog::error("handler threw method={} path={} error=\"{}\"", request.method, request.path,
                    e.what());
      return Response::error(500, "internal", "internal error; see the head's log");
    }
  }

  void sendAndClose(Response response) { write(std::move(response), 11, false); }

  void write(Response response, unsigned version, bool keepAlive) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(bhttp::field::server, "floe");
    response_.set(bhttp::field::content_type, response.contentType);
    response_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) response_.set(name, value);
    response_.keep_alive(keepAlive);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    armTimeout(state_->limits.writeTimeout);
    bhttp::async_write(stream_, response_,
                       beast::bind_front_handler(&Session::onWrite, shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t) {
    if (ec) {
      spdlog::debug("write failed remote={} error=\"{}\"", remoteAddress_, ec.message());
      return;
    }
    if (!response_.keep_alive()) return doClose();
    doRead();
  }

  void doClose() {
    armTimeout(state_->limits.handshakeTimeout);
    stream_.async_shutdown(beast::bind_front_handler(&Session::onShutdown, shared_from_this()));
  }

  void onShutdown(beast::error_code, std::size_t) {
    // Errors here (peer already gone, truncated close_notify) change nothing: the
    // response was fully written before we started closing.
    closeSocket();
  }

  TlsSocketStream stream_;
  asio::steady_timer timer_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  PeerIdentity peer_;
  std::string remoteAddress_ = "unknown";
  size_t requestsServed_ = 0;
  bool waitingForRequest_ = false;
};

class HttpsServerImpl final : public HttpsServer,
                              public std::enable_shared_from_this<HttpsServerImpl> {
 public:
  HttpsServerImpl(asio::io_context& io, std::shared_ptr<ServerState> state)
      : io_(io), acceptor_(io), retryTimer_(io), ssl_(ssl::context::tls_server),
        state_(std::move(state)) {}

  Status configure(std::string_view listen, const TlsServerConfig& tls) {
    FLOE_ASSIGN_OR_RETURN(tcp::endpoint endpoint, parseListenAddress(listen));
    FLOE_RETURN_IF_ERROR(configureTls(tls));
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return unavailable("cannot listen on " + std::string(listen) + ": " + ec.message() +
                         " (is another process using the port?)");
    }
    return Status::ok();
  }

  uint16_t port() const override { return acceptor_.local_endpoint().port(); }
  size_t openConnections() const override { return state_->connections.load(); }

  void start() override { doAccept(); }

  void stop() override {
    state_->stopping = true;
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retryTimer_.cancel();
      std::lock_guard lock(self->state_->sessionsMutex);
      for (auto& weak : self->state_->sessions) {
        if (auto session = weak.lock()) session->closeIfIdle();
      }
    });
  }

 private:
  static Result<tcp::endpoint> parseListenAddress(std::string_view listen) {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
      return invalidArgument("listen address '" + std::string(listen) + "' must be ADDR:PORT");
    }
    std::string host(listen.substr(0, colon));
    std::string portText(listen.substr(colon + 1));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return invalidArgument("listen address '" + std::string(listen) +
                             "': host must be an IP address (e.g. 0.0.0.0 or 127.0.0.1)");
    }
    char* end = nullptr;
    long port = std::strtol(portText.c_str(), &end, 10);
    if (portText.empty() || *end != '\0' || port < 0 || port > 65535) {
      return invalidArgument("listen address '" + std::string(listen) +
                             "': port must be a number from 0 to 65535");
    }
    return tcp::endpoint(address, static_cast<unsigned short>(port));
  }

  Status configureTls(const TlsServerConfig& tls) {
    beast::error_code ec;
    ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
    // An idle kept-alive connection (an agent between heartbeats) would otherwise hold
    // ~34 KB of OpenSSL read/write buffers; released, 10,000 agents cost far less RSS.
    SSL_CTX_set_mode(ssl_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // No TLS 1.3 session tickets: floe's clients (agents, CLI, loadgen) never resume,
    // and issuing two per handshake cost 30 % of the head's CPU per new connection
    // (1.05 -> 0.74 ms, tests/bench/README.md); it matters when 10,000 agents reconnect.
    SSL_CTX_set_num_tickets(ssl_.native_handle(), 0);
    // After a TLS 1.3 handshake a connection continues on our own record layer and
    // frees OpenSSL's state (~20 KB per idle connection); it needs the traffic secrets.
    if (tls.tls13RecordLayer) captureTls13Secrets(ssl_.native_handle());
    ssl_.use_certificate_chain(asio::buffer(tls.certificateChainPem), ec);
    if (ec) return invalidArgument("server certificate: " + ec.message());
    ssl_.use_private_key(asio::buffer(tls.privateKeyPem), ssl::context::pem, ec);
    if (ec) return invalidArgument("server private key: " + ec.message());
    ssl_.add_certificate_authority(asio::buffer(tls.clientCaPem), ec);
    if (ec) return invalidArgument("client CA certificate: " + ec.message());
    // Ask for a client certificate but do not require one: routes decide (join and
    // health checks need none; agents and admins must present theirs).
    ssl_.set_verify_mode(ssl::verify_peer);
    // Session resumption with client certificates needs a session id context.
    static constexpr unsigned char kSessionContext[] = "floe";
    SSL_CTX_set_session_id_context(ssl_.native_handle(), kSessionContext, sizeof kSessionContext - 1);
    return Status::ok();
  }

  void doAccept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           beast::bind_front_handler(&HttpsServerImpl::onAccept, shared_from_this()));
  }

  void onAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning, then keep serving.
      spdlog::warn("accept failed error=\"{}\"; retrying in {} ms", ec.message(),
                   kAcceptRetryDelay.count());
      retryTimer_.expires_after(kAcceptRetryDelay);
      retryTimer_.async_wait([self = shared_from_this()](beast::error_code waitError) {
        if (!waitError) self->doAccept();
      });
      return;
    }
    if (state_->connections.load() >= state_->limits.maxConnections) {
      refuseOverLimit(socket);
    } else {
      ++state_->connections;
      auto session = std::make_shared<Session>(std::move(socket), ssl_, state_);
      {
        std::lock_guard lock(state_->sessionsMutex);
        // Forget closed sessions once they outnumber the open ones: amortised O(1) per accept.
        if (state_->sessions.size() > 2 * state_->connections.load() + 64) {
          state_->sessions.remove_if([](const std::weak_ptr<Session>& weak) { return weak.expired(); });
        }
        state_->sessions.push_back(session);
      }
      session->run();
    }
    doAccept();
  }

  // Closing at once is the refusal a client can see (its handshake fails right away
  // instead of hanging in the backlog). Logged at most once a second: a flood of
  // refused connections must not become a flood of log lines.
  void refuseOverLimit(tcp::socket& socket) {
    beast::error_code ignored;
    socket.close(ignored);
    ++refusedSinceLog_;
    auto now = std::chrono::steady_clock::now();
    if (now - lastRefusalLog_ >= std::chrono::seconds(1)) {
      spdlog::warn("connection limit reached limit={}; refused {} connection(s) since the last report",
                   state_->limits.maxConnections, refusedSinceLog_);
      refusedSinceLog_ = 0;
      lastRefusalLog_ = now;
    }
  }

  asio::io_context& io_;
  size_t refusedSinceLog_ = 0;
  std::chrono::steady_clock::time_point lastRefusalLog_{};
  tcp::acceptor acceptor_;
  asio::steady_timer retryTimer_;
  ssl::context ssl_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace

Result<std::shared_ptr<HttpsServer>> createHttpsServer(asio::io_context& io,
                                                       std::string_view listen,
                                                       const TlsServerConfig& tls,
                                                       const ServerLimits& limits,
                                                       Handler handler) {
  auto state = std::make_shared<ServerState>();
  state->handler = std::move(handler);
  state->limits = limits;
  auto server = std::make_shared<HttpsServerImpl>(io, std::move(state));
  FLOE_RETURN_IF_ERROR(server->configure(listen, tls));
  return std::shared_ptr<HttpsServer>(server);
}

}  // namespace floe::http
