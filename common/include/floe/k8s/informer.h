// Keeps an in-memory copy of one resource type up to date (a reflector, in client-go's
// words): a thread lists, then watches from the list's resourceVersion, and tells
// handlers about every change.
//
// - Reconnects after a dropped watch or an API server restart from the last seen
//   resourceVersion (bookmarks advance it), with backoff.
// - Relists when the server says that version is gone (410) or sends another ERROR
//   event; objects that vanished meanwhile are reported deleted.
// - stop() returns promptly (well under a second), even mid-request.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "floe/k8s/kube_client.h"

namespace floe::k8s {

// Called on the informer's thread, one at a time, after the cache is updated. A handler
// must not call stop() on its own informer (stop() waits for that thread).
struct InformerHandlers {
  std::function<void(const nlohmann::json& object)> onUpsert;
  std::function<void(const nlohmann::json& object)> onDelete;  // the last state seen
  std::function<void()> onSynced;                               // once, after the first list
};

struct InformerOptions {
  ResourceType type;
  std::string ns;  // "" for all namespaces (or a cluster-scoped type)
  std::string labelSelector;
  std::string fieldSelector;
  int watchTimeoutSeconds = 300;
  std::chrono::milliseconds initialBackoff{500};
  std::chrono::milliseconds maxBackoff{15000};
};

struct InformerStats {
  uint64_t lists = 0;        // successful lists (the first one included)
  uint64_t watches = 0;      // watch requests started
  uint64_t gone = 0;         // relists forced by 410 Gone / ERROR events
  uint64_t reconnects = 0;   // watches resumed after a failure or a dropped connection
};

class Informer {
 public:
  // `sleeper` defaults to the real one.
  Informer(std::shared_ptr<const KubeClient> client, InformerOptions options, InformerHandlers handlers,
           std::shared_ptr<Sleeper> sleeper = nullptr);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();
  void stop();

  // True once the first list is in the cache and onSynced has returned.
  bool hasSynced() const;
  // Waits for hasSynced(); false on timeout.
  bool waitForSync(std::chrono::milliseconds timeout) const;

  // Copies of the cache, safe from any thread.
  std::vector<nlohmann::json> snapshot() const;
  std::optional<nlohmann::json> find(std::string_view ns, std::string_view name) const;
  std::string lastResourceVersion() const;
  InformerStats stats() const;

 private:
  void run(std::stop_token stop);
  Status relist(std::stop_token stop);
  // Watches once from the last resourceVersion; sets `gone` when a relist is needed.
  Status watchOnce(std::stop_token stop, bool& gone, bool& sawEvent);
  void apply(const WatchEvent& event);

  std::shared_ptr<const KubeClient> client_;
  InformerOptions options_;
  InformerHandlers handlers_;
  std::shared_ptr<Sleeper> sleeper_;

  mutable std::mutex mutex_;
  mutable std::condition_variable synced_;
  std::map<std::string, nlohmann::json> cache_;  // by "namespace/name" (or "name")
  std::string resourceVersion_;
  bool hasSynced_ = false;
  InformerStats stats_;
  std::jthread thread_;
};

}  // namespace floe::k8s
