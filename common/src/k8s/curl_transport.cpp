#include "floe/k8s/curl_transport.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

#include "floe/common/files.h"
#include "floe/k8s/line_splitter.h"

namespace floe::k8s {
namespace {

// A list page is at most a few MB (pageSize 500); this only bounds a broken server.
constexpr size_t kMaxResponseBody = 64u << 20;
// etcd refuses objects over 1.5 MB; a watch line is one object plus its envelope.
constexpr size_t kMaxWatchLine = 16u << 20;
// What is kept of a streamed request's error body (a metav1.Status is small).
constexpr size_t kMaxStreamErrorBody = 64u << 10;
constexpr long kConnectTimeoutMs = 10000;
// How often the transfer loop looks at the stop flag even without a wakeup.
constexpr int kPollIntervalMs = 200;
// Keepalive probes notice a peer that vanished without closing the connection
// (a watch can be legitimately silent for minutes).
constexpr long kKeepAliveIdleSeconds = 30;
constexpr long kKeepAliveIntervalSeconds = 10;
// Rotated service-account tokens: re-read the file this often.
constexpr std::chrono::seconds kTokenFileRefresh{60};
constexpr size_t kMaxIdleConnections = 4;

struct EasyCleanup {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiCleanup {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One multi handle per easy handle: the multi interface is what lets another thread
// wake a transfer (curl_multi_wakeup), and the multi keeps the connection cache, so the
// pair is pooled together to reuse kept-alive TLS connections.
struct Connection {
  std::unique_ptr<CURLM, MultiCleanup> multi;
  std::unique_ptr<CURL, EasyCleanup> easy;
};

// What the callbacks fill in during one transfer.
struct Exchange {
  CURL* easy = nullptr;
  TransportResponse response;
  // Streaming only.
  const LineHandler* onLine = nullptr;
  std::optional<LineSplitter> splitter;
  bool handlerStopped = false;
  Status failure;
};

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

size_t onHeader(char* data, size_t size, size_t count, void* userdata) {
  auto* exchange = static_cast<Exchange*>(userdata);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    exchange->response.headers.clear();  // a new response (after 100 Continue, say)
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    exchange->response.headers[lowercase(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t onBody(char* data, size_t size, size_t count, void* userdata) {
  auto* exchange = static_cast<Exchange*>(userdata);
  size_t bytes = size * count;
  std::string_view chunk(data, bytes);
  if (exchange->onLine == nullptr) {
    if (exchange->response.body.size() + bytes > kMaxResponseBody) {
      exchange->failure = resourceExhausted("response body exceeds " + std::to_string(kMaxResponseBody) + " bytes");
      return 0;  // aborts the transfer
    }
    exchange->response.body.append(chunk);
    return bytes;
  }
  long status = 0;
  curl_easy_getinfo(exchange->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    // An error answer to a watch is a Status object, not a stream: keep it whole.
    size_t room = kMaxStreamErrorBody - std::min(kMaxStreamErrorBody, exchange->response.body.size());
    exchange->response.body.append(chunk.substr(0, room));
    return bytes;
  }
  Status fed = exchange->splitter->feed(chunk, *exchange->onLine, exchange->handlerStopped);
  if (!fed.isOk()) {
    exchange->failure = fed;
    return 0;
  }
  return exchange->handlerStopped ? 0 : bytes;
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const KubeConfig& config)
      : server_(config.server),
        caPem_(config.caPem),
        insecure_(config.insecureSkipTlsVerify),
        clientCertPem_(config.clientCertPem),
        clientKeyPem_(config.clientKeyPem),
        token_(config.token),
        tokenFile_(config.tokenFile),
        userAgent_(std::string("floe/") + FLOE_VERSION) {
    // curl_global_init is not thread-safe; once per process.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<TransportResponse> send(const TransportRequest& request, std::stop_token stop) override {
    Exchange exchange;
    FLOE_RETURN_IF_ERROR(transfer(request, exchange, stop));
    return std::move(exchange.response);
  }

  Result<TransportResponse> stream(const TransportRequest& request, const LineHandler& onLine,
                                   std::stop_token stop) override {
    Exchange exchange;
    exchange.onLine = &onLine;
    exchange.splitter.emplace(kMaxWatchLine);
    FLOE_RETURN_IF_ERROR(transfer(request, exchange, stop));
    long status = exchange.response.status;
    if (status >= 200 && status <= 299 && !exchange.handlerStopped) exchange.splitter->finish(onLine);
    return std::move(exchange.response);
  }

 private:
  Status transfer(const TransportRequest& request, Exchange& exchange, std::stop_token stop) {
    std::unique_ptr<Connection> connection = acquire();
    if (!connection) return internalError("cannot initialise libcurl");
    CURL* h = connection->easy.get();
    exchange.easy = h;
    curl_easy_reset(h);
    char errorBuffer[CURL_ERROR_SIZE] = {0};
    std::string url = server_ + request.target;
    std::string what = request.method + " " + server_ + request.target.substr(0, request.target.find('?'));

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(h, CURLOPT_USERAGENT, userAgent_.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min(kConnectTimeoutMs, static_cast<long>(request.timeout.count())));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, kKeepAliveIdleSeconds);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, kKeepAliveIntervalSeconds);
    if (exchange.onLine == nullptr) {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    } else if (request.idleTimeout.count() > 0) {
      // A watch has no overall deadline; a connection that carries nothing for this long is dead.
      long idleSeconds = std::max(1L, static_cast<long>(request.idleTimeout.count() / 1000));
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, idleSeconds);
    }
    if (!request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    setTls(h);

    std::unique_ptr<curl_slist, SlistCleanup> headers;
    auto addHeader = [&headers](const std::string& header) {
      curl_slist* grown = curl_slist_append(headers.get(), header.c_str());
      if (grown != nullptr) {
        (void)headers.release();  // now owned by `grown`, the same list
        headers.reset(grown);
      }
    };
    addHeader("Accept: application/json");
    addHeader("Expect:");  // no 100-continue round trip before a large body
    if (!request.body.empty() && !request.contentType.empty()) addHeader("Content-Type: " + request.contentType);
    std::string token = currentToken();
    if (!token.empty()) addHeader("Authorization: Bearer " + token);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    bool cancelled = false;
    CURLcode rc = perform(*connection, stop, cancelled);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &exchange.response.status);
    // The header list and error buffer die with this frame: detach them from the handle.
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

    if (cancelled) return unavailable(what + ": cancelled");
    if (!exchange.failure.isOk()) return exchange.failure.withContext(what);
    if (rc == CURLE_WRITE_ERROR && exchange.handlerStopped) rc = CURLE_OK;  // the caller ended it
    if (rc != CURLE_OK) {
      std::string detail = errorBuffer[0] ? errorBuffer : curl_easy_strerror(rc);
      if (rc == CURLE_OPERATION_TIMEDOUT) return deadlineExceeded(what + ": " + detail);
      return unavailable(what + ": " + detail);
    }
    release(std::move(connection));
    return Status::ok();
  }

  // Runs the transfer on the connection's multi handle, waking on a stop request.
  static CURLcode perform(Connection& connection, std::stop_token stop, bool& cancelled) {
    CURLM* multi = connection.multi.get();
    CURL* easy = connection.easy.get();
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) return CURLE_FAILED_INIT;
    CURLcode result = CURLE_OK;
    {
      std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
      int running = 1;
      while (running > 0) {
        if (stop.stop_requested()) {
          cancelled = true;
          break;
        }
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
          result = CURLE_FAILED_INIT;
          break;
        }
        if (running > 0 && curl_multi_poll(multi, nullptr, 0, kPollIntervalMs, nullptr) != CURLM_OK) {
          result = CURLE_FAILED_INIT;
          break;
        }
      }
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE && message->easy_handle == easy) result = message->data.result;
    }
    curl_multi_remove_handle(multi, easy);
    return result;
  }

  void setTls(CURL* h) const {
    if (insecure_) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!caPem_.empty()) {
      curl_blob ca{const_cast<char*>(caPem_.data()), caPem_.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!clientCertPem_.empty()) {
      // From memory: the key never touches the disk.
      curl_blob cert{const_cast<char*>(clientCertPem_.data()), clientCertPem_.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(clientKeyPem_.data()), clientKeyPem_.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    }
  }

  std::string currentToken() {
    if (tokenFile_.empty()) return token_;
    std::lock_guard lock(tokenMutex_);
    auto now = std::chrono::steady_clock::now();
    if (!tokenLoadedAt_ || now - *tokenLoadedAt_ >= kTokenFileRefresh) {
      Result<std::string> content = readFile(tokenFile_);
      if (content.isOk()) {
        fileToken_ = trim(*content);
        tokenLoadedAt_ = now;
      } else {
        // Keep the last good token; the server's 401 will say if it no longer works.
        spdlog::warn("k8s token file unreadable path={} error=\"{}\"", tokenFile_.string(),
                     content.status().message());
      }
    }
    return fileToken_;
  }

  std::unique_ptr<Connection> acquire() {
    {
      std::lock_guard lock(poolMutex_);
      if (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
    }
    auto connection = std::make_unique<Connection>();
    connection->multi.reset(curl_multi_init());
    connection->easy.reset(curl_easy_init());
    if (!connection->multi || !connection->easy) return nullptr;
    return connection;
  }

  // Only connections whose transfer completed come back: a cancelled or failed one may
  // hold a half-read response.
  void release(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(poolMutex_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
  }

  const std::string server_;
  const std::string caPem_;
  const bool insecure_;
  const std::string clientCertPem_;
  const std::string clientKeyPem_;
  const std::string token_;
  const std::filesystem::path tokenFile_;
  const std::string userAgent_;

  std::mutex tokenMutex_;
  std::string fileToken_;
  std::optional<std::chrono::steady_clock::time_point> tokenLoadedAt_;

  std::mutex poolMutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

std::shared_ptr<Transport> makeCurlTransport(const KubeConfig& config) {
  return std::make_shared<CurlTransport>(config);
}

}  // namespace floe::k8s
