// A Kubernetes API client over a Transport: typed addressing, JSON objects, retries
// with backoff, list pagination, server-side apply, patches, eviction and watch.
//
// Retries: 429, 5xx and transport failures are retried with exponential backoff and
// jitter (honouring Retry-After), within RetryPolicy's attempts and time budget. The one
// exception is an eviction refused with 429 by a PodDisruptionBudget: it is returned at
// once as kResourceExhausted, because the caller should re-plan rather than wait.
//
// Thread-safe: one client may serve many threads (and informers) at once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "floe/k8s/resource.h"
#include "floe/k8s/retry_policy.h"
#include "floe/k8s/sleeper.h"
#include "floe/k8s/transport.h"
#include "floe/k8s/watch_event.h"

namespace floe::k8s {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int pageSize = 500;  // the `limit` of each page; `continue` is followed to the end
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resourceVersion;  // the list's; watch from here to see every later change
};

struct ApplyOptions {
  std::string fieldManager = "floe";
  bool force = false;  // take over fields owned by other managers instead of a 409
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in types only)
  kJson,            // application/json-patch+json (RFC 6902)
};

struct DeleteOptions {
  std::optional<std::string> preconditionUid;
  std::optional<std::string> preconditionResourceVersion;
  std::string propagationPolicy;  // "", "Foreground", "Background" or "Orphan"
  std::optional<int64_t> gracePeriodSeconds;
};

struct WatchOptions {
  std::string resourceVersion;  // "" starts with synthetic ADDED events for what exists
  std::string labelSelector;
  std::string fieldSelector;
  int timeoutSeconds = 300;     // the server ends the watch after this; watch again
  bool allowBookmarks = true;
};

// Return false to end the watch.
using WatchHandler = std::function<bool(const WatchEvent& event)>;

class KubeClient {
 public:
  // `sleeper` and `clock` default to the real ones; tests pass fakes.
  explicit KubeClient(std::shared_ptr<Transport> transport, RetryPolicy retry = {},
                      std::shared_ptr<Sleeper> sleeper = nullptr, std::shared_ptr<const Clock> clock = nullptr);

  // GET on any path (e.g. "/version", "/readyz").
  Result<nlohmann::json> getPath(std::string_view path, std::stop_token stop = {}) const;

  Result<nlohmann::json> get(const ResourceType& type, std::string_view ns, std::string_view name,
                             std::string_view subresource = "", std::stop_token stop = {}) const;

  // Every page, concatenated. A namespaced type with an empty `ns` lists all namespaces.
  Result<ObjectList> list(const ResourceType& type, std::string_view ns, const ListOptions& options = {},
                          std::stop_token stop = {}) const;

  Result<nlohmann::json> create(const ResourceType& type, std::string_view ns, const nlohmann::json& object,
                                std::stop_token stop = {}) const;

  // PUT: replaces the object (or a subresource such as "status"); needs the object's
  // metadata.resourceVersion for optimistic concurrency.
  Result<nlohmann::json> replace(const ResourceType& type, std::string_view ns, std::string_view name,
                                 const nlohmann::json& object, std::string_view subresource = "",
                                 std::stop_token stop = {}) const;

  // Server-side apply: `object` is the whole intent (apiVersion, kind, metadata.name).
  // A conflict with another field manager is kFailedPrecondition carrying the server's text.
  Result<nlohmann::json> apply(const ResourceType& type, std::string_view ns, std::string_view name,
                               const nlohmann::json& object, const ApplyOptions& options = {},
                               std::stop_token stop = {}) const;

  Result<nlohmann::json> patch(const ResourceType& type, std::string_view ns, std::string_view name,
                               PatchType patchType, const nlohmann::json& patch,
                               std::string_view subresource = "", std::stop_token stop = {}) const;

  // kNotFound when it was already gone: callers deleting to converge can treat that as done.
  Status remove(const ResourceType& type, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {}, std::stop_token stop = {}) const;

  // POST policy/v1 Eviction to pods/NAME/eviction. A PodDisruptionBudget refusal is
  // kResourceExhausted with the server's message, returned without retrying.
  Status evict(std::string_view ns, std::string_view podName, const DeleteOptions& options = {},
               std::stop_token stop = {}) const;

  // Streams events to onEvent until the server ends the watch (ok), onEvent returns
  // false (ok), stop is requested (ok), or a failure. Not retried: the caller decides
  // where to resume (see Informer). An HTTP 410 is delivered as an ERROR event with
  // code 410, the same as a 410 inside the stream.
  Status watch(const ResourceType& type, std::string_view ns, const WatchOptions& options,
               const WatchHandler& onEvent, std::stop_token stop = {}) const;

 private:
  struct Call;
  Result<TransportResponse> execute(const Call& call, std::stop_token stop) const;
  Result<nlohmann::json> executeJson(const Call& call, std::stop_token stop) const;
  Result<ObjectList> listOnce(const std::string& path, const ListOptions& options, bool& continueExpired,
                              std::stop_token stop) const;

  std::shared_ptr<Transport> transport_;
  RetryPolicy retry_;
  std::shared_ptr<Sleeper> sleeper_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace floe::k8s
