#include <curl/curl.h>

#include <mutex>

#include "floe/http/http_client.h"

namespace floe::http {
namespace {

size_t appendBody(char* data, size_t size, size_t count, void* userdata) {
  static_cast<std::string*>(userdata)->append(data, size * count);
  return size * count;
}

size_t collectHeader(char* data, size_t size, size_t count, void* userdata) {
  std::string line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    size_t start = value.find_first_not_of(" \t");
    size_t end = value.find_last_not_of(" \t\r\n");
    value = start == std::string::npos ? "" : value.substr(start, end - start + 1);
    (*static_cast<std::map<std::string, std::string>*>(userdata))[name] = value;
  }
  return size * count;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(ClientTlsOptions tls) : tls_(std::move(tls)) {
    // curl_global_init is not thread-safe; do it once per process.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<ClientResponse> send(const ClientRequest& request) override {
    std::lock_guard lock(mutex_);
    // One easy handle for the client's lifetime: curl_easy_reset keeps its connection
    // and TLS session caches, so an agent's heartbeats reuse one kept-alive connection
    // instead of a TLS handshake every 5 seconds.
    if (!handle_) handle_.reset(curl_easy_init());
    if (!handle_) return internalError("cannot initialise libcurl");
    CURL* h = handle_.get();
    curl_easy_reset(h);
    ClientResponse response;
    char errorBuffer[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collectHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    if (!request.body.empty() || request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    if (tls_.insecureSkipVerify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!tls_.caFile.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, tls_.caFile.c_str());
    }
    if (!tls_.clientCertFile.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERT, tls_.clientCertFile.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY, tls_.clientKeyFile.c_str());
    }

    struct curl_slist* rawHeaders = nullptr;
    for (const auto& [name, value] : request.headers) {
      rawHeaders = curl_slist_append(rawHeaders, (name + ": " + value).c_str());
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(rawHeaders,
                                                                        &curl_slist_free_all);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      std::string detail = errorBuffer[0] ? errorBuffer : curl_easy_strerror(rc);
      std::string what = request.method + " " + request.url + ": " + detail;
      if (rc == CURLE_OPERATION_TIMEDOUT) return deadlineExceeded(what);
      return unavailable(what);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  struct HandleCleanup {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
  };
  ClientTlsOptions tls_;
  std::mutex mutex_;
  std::unique_ptr<CURL, HandleCleanup> handle_;
};

}  // namespace

std::unique_ptr<HttpClient> makeCurlHttpClient(ClientTlsOptions tls) {
  return std::make_unique<CurlHttpClient>(std::move(tls));
}

}  // namespace floe::http
