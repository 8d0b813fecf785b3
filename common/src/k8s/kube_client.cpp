#include "floe/k8s/kube_client.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <random>

#include "floe/k8s/api_error.h"

namespace floe::k8s {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kRequestTimeout{30000};
// How long a watch may take to connect.
constexpr std::chrono::milliseconds kWatchConnectTimeout{10000};
// Beyond the watch's own timeoutSeconds, how long silence is tolerated before the
// connection is presumed dead.
constexpr std::chrono::seconds kWatchIdleMargin{30};
constexpr std::string_view kContentJson = "application/json";

bool isSuccess(long status) { return status >= 200 && status <= 299; }

bool isRetryable(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

double unitRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Retry-After in seconds; the HTTP-date form is not used by the API server.
std::optional<std::chrono::seconds> retryAfter(const TransportResponse& response) {
  auto header = response.headers.find("retry-after");
  if (header == response.headers.end()) return std::nullopt;
  long seconds = 0;
  const std::string& text = header->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

void appendQuery(std::string& target, std::string_view key, std::string_view value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += key;
  target += '=';
  target += percentEncode(value);
}

json deleteOptionsBody(const DeleteOptions& options) {
  json body = json::object();
  if (options.preconditionUid) body["preconditions"]["uid"] = *options.preconditionUid;
  if (options.preconditionResourceVersion) {
    body["preconditions"]["resourceVersion"] = *options.preconditionResourceVersion;
  }
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  return body;
}

std::string_view patchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

}  // namespace

struct KubeClient::Call {
  std::string method;
  std::string target;
  std::string body;
  std::string contentType;
  std::chrono::milliseconds timeout = kRequestTimeout;
  // A PodDisruptionBudget's 429 is an answer, not congestion: never retried.
  bool isEviction = false;
};

KubeClient::KubeClient(std::shared_ptr<Transport> transport, RetryPolicy retry, std::shared_ptr<Sleeper> sleeper,
                       std::shared_ptr<const Clock> clock)
    : transport_(std::move(transport)),
      retry_(retry),
      sleeper_(sleeper ? std::move(sleeper) : std::make_shared<SystemSleeper>()),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()) {}

// Returns the final HTTP response (any status), or the transport's error once retries
// are used up.
Result<TransportResponse> KubeClient::execute(const Call& call, std::stop_token stop) const {
  const auto started = clock_->steadyNow();
  TransportRequest request;
  request.method = call.method;
  request.target = call.target;
  request.body = call.body;
  request.contentType = call.contentType;
  request.timeout = call.timeout;

  for (int attempt = 1;; ++attempt) {
    Result<TransportResponse> response = transport_->send(request, stop);
    std::optional<std::chrono::seconds> serverDelay;
    std::string failure;
    if (response.isOk()) {
      long status = response->status;
      if (!isRetryable(status) || (status == 429 && call.isEviction)) return response;
      serverDelay = retryAfter(*response);
      failure = apiError(call.method, call.target, status, response->body).message();
    } else {
      if (stop.stop_requested()) return response;
      failure = response.status().message();
    }

    std::chrono::milliseconds delay = retryDelay(retry_, attempt, serverDelay, unitRandom());
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_->steadyNow() - started);
    if (attempt >= retry_.maxAttempts || elapsed + delay > retry_.totalBudget) {
      // A caller that asked for a single attempt (a readiness probe) expects failures
      // and reports them itself; for everyone else giving up is worth a warning.
      auto level = retry_.maxAttempts == 1 ? spdlog::level::debug : spdlog::level::warn;
      spdlog::log(level, "k8s request failed, giving up attempts={} elapsed_ms={} error=\"{}\"", attempt,
                  elapsed.count(), failure);
      return response;
    }
    spdlog::debug("k8s request retrying attempt={} delay_ms={} error=\"{}\"", attempt, delay.count(), failure);
    if (!sleeper_->sleepFor(delay, stop)) {
      return unavailable(call.method + " " + call.target.substr(0, call.target.find('?')) + ": cancelled");
    }
  }
}

Result<json> KubeClient::executeJson(const Call& call, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(TransportResponse response, execute(call, stop));
  if (!isSuccess(response.status)) return apiError(call.method, call.target, response.status, response.body);
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return internalError(call.method + " " + call.target.substr(0, call.target.find('?')) + ": " +
                         std::to_string(response.status) + " response is not JSON");
  }
  return parsed;
}

Result<json> KubeClient::getPath(std::string_view path, std::stop_token stop) const {
  return executeJson(Call{"GET", std::string(path), "", "", kRequestTimeout, false}, stop);
}

Result<json> KubeClient::get(const ResourceType& type, std::string_view ns, std::string_view name,
                             std::string_view subresource, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, objectPath(type, ns, name, subresource));
  return getPath(path, stop);
}

Result<ObjectList> KubeClient::listOnce(const std::string& path, const ListOptions& options, bool& continueExpired,
                                        std::stop_token stop) const {
  continueExpired = false;
  ObjectList result;
  std::string continueToken;
  do {
    std::string target = path;
    if (!options.labelSelector.empty()) appendQuery(target, "labelSelector", options.labelSelector);
    if (!options.fieldSelector.empty()) appendQuery(target, "fieldSelector", options.fieldSelector);
    if (options.pageSize > 0) appendQuery(target, "limit", std::to_string(options.pageSize));
    if (!continueToken.empty()) appendQuery(target, "continue", continueToken);
    Call call{"GET", target, "", "", kRequestTimeout * 2, false};
    FLOE_ASSIGN_OR_RETURN(TransportResponse response, execute(call, stop));
    if (response.status == 410 && !continueToken.empty()) continueExpired = true;
    if (!isSuccess(response.status)) return apiError(call.method, call.target, response.status, response.body);
    json page = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (!page.is_object()) return internalError("GET " + path + ": list response is not a JSON object");

    json metadata = page.value("metadata", json::object());
    continueToken = metadata.is_object() ? metadata.value("continue", "") : "";
    // Every page carries the resourceVersion of the first one: the list is a snapshot.
    if (result.resourceVersion.empty() && metadata.is_object()) {
      result.resourceVersion = metadata.value("resourceVersion", "");
    }
    // Items of a list carry no apiVersion/kind; fill them in so a listed object looks
    // like a watched or fetched one.
    std::string kind = page.value("kind", "");
    if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
    std::string apiVersion = page.value("apiVersion", "");
    auto items = page.find("items");
    if (items != page.end() && items->is_array()) {
      for (json& item : *items) {
        if (!item.is_object()) continue;
        if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
        if (!item.contains("apiVersion") && !apiVersion.empty()) item["apiVersion"] = apiVersion;
        result.items.push_back(std::move(item));
      }
    }
  } while (!continueToken.empty());
  return result;
}

Result<ObjectList> KubeClient::list(const ResourceType& type, std::string_view ns, const ListOptions& options,
                                    std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, collectionPath(type, ns));
  bool continueExpired = false;
  Result<ObjectList> listed = listOnce(path, options, continueExpired, stop);
  // 410 on a later page: the continue token outlived etcd's compaction. The pages would
  // no longer be one snapshot, so start over (once; a second expiry is reported).
  if (continueExpired) {
    spdlog::debug("k8s list continue token expired, listing again path={}", path);
    listed = listOnce(path, options, continueExpired, stop);
  }
  return listed;
}

Result<json> KubeClient::create(const ResourceType& type, std::string_view ns, const json& object,
                                std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, collectionPath(type, ns));
  if (type.namespaced && ns.empty()) return invalidArgument("creating " + type.plural + " needs a namespace");
  return executeJson(Call{"POST", path, object.dump(), std::string(kContentJson), kRequestTimeout, false}, stop);
}

Result<json> KubeClient::replace(const ResourceType& type, std::string_view ns, std::string_view name,
                                 const json& object, std::string_view subresource, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, objectPath(type, ns, name, subresource));
  return executeJson(Call{"PUT", path, object.dump(), std::string(kContentJson), kRequestTimeout, false}, stop);
}

Result<json> KubeClient::apply(const ResourceType& type, std::string_view ns, std::string_view name,
                               const json& object, const ApplyOptions& options, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string target, objectPath(type, ns, name));
  if (options.fieldManager.empty()) return invalidArgument("server-side apply needs a field manager");
  appendQuery(target, "fieldManager", options.fieldManager);
  if (options.force) appendQuery(target, "force", "true");
  // JSON is YAML, so the apply content type takes the JSON text as it is.
  return executeJson(Call{"PATCH", target, object.dump(), "application/apply-patch+yaml", kRequestTimeout, false},
                     stop);
}

Result<json> KubeClient::patch(const ResourceType& type, std::string_view ns, std::string_view name,
                               PatchType patchType, const json& patchBody, std::string_view subresource,
                               std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, objectPath(type, ns, name, subresource));
  return executeJson(
      Call{"PATCH", path, patchBody.dump(), std::string(patchContentType(patchType)), kRequestTimeout, false}, stop);
}

Status KubeClient::remove(const ResourceType& type, std::string_view ns, std::string_view name,
                          const DeleteOptions& options, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, objectPath(type, ns, name));
  json body = deleteOptionsBody(options);
  Call call{"DELETE", path, body.empty() ? "" : body.dump(), std::string(kContentJson), kRequestTimeout, false};
  FLOE_ASSIGN_OR_RETURN(TransportResponse response, execute(call, stop));
  if (!isSuccess(response.status)) return apiError(call.method, call.target, response.status, response.body);
  return Status::ok();
}

Status KubeClient::evict(std::string_view ns, std::string_view podName, const DeleteOptions& options,
                         std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string path, objectPath(resources::kPods, ns, podName, "eviction"));
  json eviction = {
      {"apiVersion", "policy/v1"},
      {"kind", "Eviction"},
      {"metadata", {{"name", std::string(podName)}, {"namespace", std::string(ns)}}},
  };
  json deleteOptions = deleteOptionsBody(options);
  if (!deleteOptions.empty()) eviction["deleteOptions"] = std::move(deleteOptions);
  Call call{"POST", path, eviction.dump(), std::string(kContentJson), kRequestTimeout, true};
  FLOE_ASSIGN_OR_RETURN(TransportResponse response, execute(call, stop));
  if (!isSuccess(response.status)) return apiError(call.method, call.target, response.status, response.body);
  return Status::ok();
}

Status KubeClient::watch(const ResourceType& type, std::string_view ns, const WatchOptions& options,
                         const WatchHandler& onEvent, std::stop_token stop) const {
  FLOE_ASSIGN_OR_RETURN(std::string target, collectionPath(type, ns));
  appendQuery(target, "watch", "true");
  if (!options.resourceVersion.empty()) appendQuery(target, "resourceVersion", options.resourceVersion);
  if (options.allowBookmarks) appendQuery(target, "allowWatchBookmarks", "true");
  if (options.timeoutSeconds > 0) appendQuery(target, "timeoutSeconds", std::to_string(options.timeoutSeconds));
  if (!options.labelSelector.empty()) appendQuery(target, "labelSelector", options.labelSelector);
  if (!options.fieldSelector.empty()) appendQuery(target, "fieldSelector", options.fieldSelector);

  TransportRequest request;
  request.target = target;
  request.timeout = kWatchConnectTimeout;
  // Without timeoutSeconds the server picks a long random one; only keepalive then
  // notices a dead peer, since a fixed idle limit could cut a quiet, healthy watch.
  if (options.timeoutSeconds > 0) {
    request.idleTimeout = std::chrono::seconds(options.timeoutSeconds) + kWatchIdleMargin;
  }

  Status streamError;
  LineHandler onLine = [&](std::string_view line) {
    Result<WatchEvent> event = parseWatchEvent(line);
    if (!event.isOk()) {
      streamError = event.status().withContext("watching " + target.substr(0, target.find('?')));
      return false;
    }
    return onEvent(*event);
  };
  Result<TransportResponse> response = transport_->stream(request, onLine, stop);
  if (stop.stop_requested()) return Status::ok();
  if (!response.isOk()) return response.status();
  if (response->status == 410) {
    // Some servers answer a too-old resourceVersion with 410 instead of an ERROR event;
    // one shape for callers.
    json status = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    if (!status.is_object()) status = {{"kind", "Status"}, {"code", 410}, {"reason", "Gone"}};
    status["code"] = 410;
    onEvent(WatchEvent{WatchEventType::kError, std::move(status)});
    return Status::ok();
  }
  if (!isSuccess(response->status)) return apiError("GET", target, response->status, response->body);
  return streamError;
}

}  // namespace floe::k8s
