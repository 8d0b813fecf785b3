// Watches and the informer against a real kube-apiserver: the event stream, a
// resourceVersion that is too old (410 Gone) and the informer's relist after it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "cluster_support.h"
#include "floe/k8s/informer.h"

namespace floe::k8s::cluster {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Everything an informer reported, thread-safe.
class Seen {
 public:
  InformerHandlers handlers() {
    return {[this](const json& o) { add("upsert:" + o["metadata"].value("name", "")); },
            [this](const json& o) { add("delete:" + o["metadata"].value("name", "")); },
            [this] { add("synced"); }};
  }
  bool contains(const std::string& entry) const {
    std::lock_guard lock(mutex_);
    return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
  }
  std::string dump() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& e : entries_) out += e + " ";
    return out;
  }

 private:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

TEST_CASE("cluster: watch sees ADDED, MODIFIED, DELETED", "[cluster][watch]") {
  auto client = testClient();
  TestNamespace ns("floe-watch");
  Result<ObjectList> listed = client->list(resources::kConfigMaps, ns.name());
  REQUIRE(listed.isOk());

  std::mutex mutex;
  std::vector<std::string> events;
  std::stop_source stop;
  Status watchResult;
  std::thread watcher([&] {
    WatchOptions options;
    options.resourceVersion = listed->resourceVersion;
    options.timeoutSeconds = 60;
    options.labelSelector = "floe.io/test=watch";
    watchResult = client->watch(
        resources::kConfigMaps, ns.name(), options,
        [&](const WatchEvent& event) {
          std::lock_guard lock(mutex);
          if (event.type != WatchEventType::kBookmark) {
            events.push_back(std::string(watchEventTypeName(event.type)) + ":" +
                             event.object["metadata"].value("name", ""));
          }
          return event.type != WatchEventType::kDeleted;
        },
        stop.get_token());
  });

  json labels = {{"floe.io/test", "watch"}};
  REQUIRE(client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "w", {{"v", "1"}}, labels)).isOk());
  REQUIRE(client->patch(resources::kConfigMaps, ns.name(), "w", PatchType::kMerge, {{"data", {{"v", "2"}}}}).isOk());
  REQUIRE(client->remove(resources::kConfigMaps, ns.name(), "w").isOk());
  bool sawAll = eventually(seconds(20), [&] {
    std::lock_guard lock(mutex);
    return events.size() >= 3;
  });
  stop.request_stop();  // in case the DELETED never came
  watcher.join();
  INFO(watchResult.toString());
  CHECK(watchResult.isOk());
  REQUIRE(sawAll);
  CHECK(events == std::vector<std::string>{"ADDED:w", "MODIFIED:w", "DELETED:w"});
}

TEST_CASE("cluster: a stopped watch returns promptly", "[cluster][watch]") {
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  auto started = std::chrono::steady_clock::now();
  WatchOptions options;
  options.timeoutSeconds = 120;
  options.labelSelector = "floe.io/test=nothing-matches";
  Status result = testClient()->watch(resources::kConfigMaps, "default", options, [](const WatchEvent&) { return true; },
                                      stop.get_token());
  stopper.join();
  CHECK(result.isOk());
  CHECK(std::chrono::steady_clock::now() - started < seconds(1));
}

TEST_CASE("cluster: watching from a too-old resourceVersion yields 410 Gone", "[cluster][watch]") {
  TestNamespace ns("floe-gone");
  WatchOptions options;
  options.resourceVersion = "1";
  options.timeoutSeconds = 30;
  std::vector<WatchEvent> events;
  Status result = testClient()->watch(resources::kConfigMaps, ns.name(), options, [&](const WatchEvent& event) {
    events.push_back(event);
    return event.type != WatchEventType::kError;
  });
  INFO(result.toString());
  REQUIRE(result.isOk());
  REQUIRE_FALSE(events.empty());
  INFO(events.back().object.dump());
  CHECK(events.back().isGone());
  CHECK_THAT(events.back().object.value("message", ""), Catch::Contains("too old resource version"));
}

TEST_CASE("cluster: the informer lists, watches, and relists after 410 Gone", "[cluster][informer]") {
  auto client = testClient();
  TestNamespace ns("floe-informer");
  REQUIRE(client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "kept", {})).isOk());
  REQUIRE(client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "vanishes", {})).isOk());

  // The informer's first watch goes out as if it had been disconnected for a long time:
  // meanwhile "vanishes" was deleted and its resourceVersion fell out of the server's
  // window (rewritten to "1", which the real server answers with 410 Gone).
  auto recording = std::make_shared<RecordingTransport>(realTransport());
  std::atomic<int> watches{0};
  recording->beforeStream = [&](TransportRequest& request) {
    if (watches++ != 0) return;
    (void)client->remove(resources::kConfigMaps, ns.name(), "vanishes");
    // No Catch assertions here: this runs on the informer's thread.
    size_t at = request.target.find("resourceVersion=");
    if (at == std::string::npos) return;
    size_t end = request.target.find('&', at);
    request.target.replace(at, end - at, "resourceVersion=1");
  };
  auto informerClient = std::make_shared<KubeClient>(recording);
  Seen seen;
  InformerOptions options;
  options.type = resources::kConfigMaps;
  options.ns = ns.name();
  Informer informer(informerClient, options, seen.handlers());
  informer.start();
  REQUIRE(informer.waitForSync(seconds(20)));

  bool relisted = eventually(seconds(20), [&] { return seen.contains("delete:vanishes"); });
  INFO("seen: " << seen.dump());
  REQUIRE(relisted);
  InformerStats stats = informer.stats();
  CHECK(stats.gone >= 1);
  CHECK(stats.lists >= 2);
  CHECK(informer.find(ns.name(), "kept").has_value());
  CHECK_FALSE(informer.find(ns.name(), "vanishes").has_value());

  // And it keeps watching after the relist.
  REQUIRE(client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "later", {})).isOk());
  CHECK(eventually(seconds(20), [&] { return informer.find(ns.name(), "later").has_value(); }));
  CHECK(seen.contains("upsert:later"));
  REQUIRE(client->remove(resources::kConfigMaps, ns.name(), "later").isOk());
  CHECK(eventually(seconds(20), [&] { return seen.contains("delete:later"); }));

  auto started = std::chrono::steady_clock::now();
  informer.stop();
  CHECK(std::chrono::steady_clock::now() - started < seconds(1));
}

}  // namespace
}  // namespace floe::k8s::cluster
