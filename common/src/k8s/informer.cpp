#include "floe/k8s/informer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace floe::k8s {
namespace {

using nlohmann::json;

// A watch that ends this soon without a single event counts as a failure for backoff,
// so a server that closes watches at once is not hammered.
constexpr std::chrono::seconds kShortWatch{1};

std::string metadataField(const json& object, const char* field) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  return metadata->value(field, "");
}

std::string cacheKey(const json& object) {
  std::string ns = metadataField(object, "namespace");
  std::string name = metadataField(object, "name");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

Informer::Informer(std::shared_ptr<const KubeClient> client, InformerOptions options, InformerHandlers handlers,
                   std::shared_ptr<Sleeper> sleeper)
    : client_(std::move(client)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      sleeper_(sleeper ? std::move(sleeper) : std::make_shared<SystemSleeper>()) {}

Informer::~Informer() { stop(); }

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();  // wakes a transfer or a backoff in progress
  thread_.join();
}

bool Informer::hasSynced() const {
  std::lock_guard lock(mutex_);
  return hasSynced_;
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return synced_.wait_for(lock, timeout, [this] { return hasSynced_; });
}

std::vector<json> Informer::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<json> objects;
  objects.reserve(cache_.size());
  for (const auto& [key, object] : cache_) objects.push_back(object);
  return objects;
}

std::optional<json> Informer::find(std::string_view ns, std::string_view name) const {
  std::string key = ns.empty() ? std::string(name) : std::string(ns) + "/" + std::string(name);
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::string Informer::lastResourceVersion() const {
  std::lock_guard lock(mutex_);
  return resourceVersion_;
}

InformerStats Informer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Informer::run(std::stop_token stop) {
  const std::string what = options_.type.plural + (options_.ns.empty() ? "" : " in " + options_.ns);
  std::mt19937_64 random{std::random_device{}()};
  int failures = 0;
  // Exponential backoff with jitter between failed attempts; returns false on stop.
  auto backOff = [&] {
    double base = static_cast<double>(options_.initialBackoff.count()) * std::pow(2.0, std::min(failures, 16));
    base = std::min(base, static_cast<double>(options_.maxBackoff.count()));
    double jittered = base * std::uniform_real_distribution<double>(0.8, 1.2)(random);
    ++failures;
    return sleeper_->sleepFor(std::chrono::milliseconds(std::llround(jittered)), stop);
  };

  bool needList = true;
  while (!stop.stop_requested()) {
    if (needList) {
      Status listed = relist(stop);
      if (stop.stop_requested()) break;
      if (!listed.isOk()) {
        spdlog::warn("k8s informer list failed, retrying resource=\"{}\" error=\"{}\"", what, listed.message());
        if (!backOff()) break;
        continue;
      }
      needList = false;
      failures = 0;
    }

    bool gone = false;
    bool sawEvent = false;
    auto started = std::chrono::steady_clock::now();
    Status watched = watchOnce(stop, gone, sawEvent);
    if (stop.stop_requested()) break;
    if (gone) {
      // The resourceVersion is too old (410) or the server reported an error inside
      // the stream: only a fresh list is a consistent starting point again.
      std::lock_guard lock(mutex_);
      ++stats_.gone;
      needList = true;
      continue;
    }
    bool briefAndEmpty = !sawEvent && std::chrono::steady_clock::now() - started < kShortWatch;
    if (!watched.isOk() || briefAndEmpty) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.reconnects;
      }
      if (!watched.isOk()) {
        spdlog::warn("k8s informer watch failed, reconnecting resource=\"{}\" resource_version={} error=\"{}\"",
                     what, lastResourceVersion(), watched.message());
      }
      if (!backOff()) break;
      continue;
    }
    failures = 0;  // a watch ran its course (timeoutSeconds): simply watch again
  }
}

Status Informer::relist(std::stop_token stop) {
  ListOptions listOptions;
  listOptions.labelSelector = options_.labelSelector;
  listOptions.fieldSelector = options_.fieldSelector;
  FLOE_ASSIGN_OR_RETURN(ObjectList listed, client_->list(options_.type, options_.ns, listOptions, stop));

  std::map<std::string, json> fresh;
  for (json& item : listed.items) {
    std::string key = cacheKey(item);
    fresh.emplace(std::move(key), std::move(item));
  }
  const size_t listedCount = fresh.size();
  std::vector<json> deleted;
  std::vector<json> upserted;
  bool firstSync = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, old] : cache_) {
      if (!fresh.contains(key)) deleted.push_back(old);
    }
    // Objects unchanged since the last list are not reported again.
    for (const auto& [key, object] : fresh) {
      auto old = cache_.find(key);
      if (old == cache_.end() || metadataField(old->second, "resourceVersion") !=
                                     metadataField(object, "resourceVersion")) {
        upserted.push_back(object);
      }
    }
    cache_ = std::move(fresh);
    resourceVersion_ = listed.resourceVersion;
    ++stats_.lists;
    firstSync = !hasSynced_;
  }
  spdlog::debug("k8s informer listed resource={} objects={} resource_version={} deleted={} upserted={}",
                options_.type.plural, listedCount, listed.resourceVersion, deleted.size(), upserted.size());
  for (const json& object : deleted) {
    if (handlers_.onDelete) handlers_.onDelete(object);
  }
  for (const json& object : upserted) {
    if (handlers_.onUpsert) handlers_.onUpsert(object);
  }
  if (firstSync) {
    // Handler first: whoever waits for the sync may rely on onSynced having run.
    if (handlers_.onSynced) handlers_.onSynced();
    {
      std::lock_guard lock(mutex_);
      hasSynced_ = true;
    }
    synced_.notify_all();
  }
  return Status::ok();
}

Status Informer::watchOnce(std::stop_token stop, bool& gone, bool& sawEvent) {
  WatchOptions watchOptions;
  watchOptions.resourceVersion = lastResourceVersion();
  watchOptions.labelSelector = options_.labelSelector;
  watchOptions.fieldSelector = options_.fieldSelector;
  watchOptions.timeoutSeconds = options_.watchTimeoutSeconds;
  watchOptions.allowBookmarks = true;
  {
    std::lock_guard lock(mutex_);
    ++stats_.watches;
  }
  return client_->watch(
      options_.type, options_.ns, watchOptions,
      [&](const WatchEvent& event) {
        sawEvent = true;
        if (event.type == WatchEventType::kError) {
          gone = true;
          if (event.isGone()) {
            spdlog::info("k8s informer resourceVersion expired, relisting resource={} resource_version={}",
                         options_.type.plural, watchOptions.resourceVersion);
          } else {
            spdlog::warn("k8s informer watch error, relisting resource={} error=\"{}\"", options_.type.plural,
                         event.object.is_object() ? event.object.value("message", "") : "");
          }
          return false;
        }
        apply(event);
        return true;
      },
      stop);
}

void Informer::apply(const WatchEvent& event) {
  std::string version = event.resourceVersion();
  std::string key = cacheKey(event.object);
  {
    std::lock_guard lock(mutex_);
    if (!version.empty()) resourceVersion_ = version;
    switch (event.type) {
      case WatchEventType::kAdded:
      case WatchEventType::kModified: cache_[key] = event.object; break;
      case WatchEventType::kDeleted: cache_.erase(key); break;
      case WatchEventType::kBookmark:
      case WatchEventType::kError: return;
    }
  }
  if (event.type == WatchEventType::kDeleted) {
    if (handlers_.onDelete) handlers_.onDelete(event.object);
  } else if (handlers_.onUpsert) {
    handlers_.onUpsert(event.object);
  }
}

}  // namespace floe::k8s
