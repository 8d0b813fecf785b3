#include "floe/k8s/informer.h"

#include <catch2/catch.hpp>

#include <mutex>

#include "scripted_transport.h"

namespace floe::k8s {
namespace {

using nlohmann::json;
using testing::FakeSleeper;
using testing::ScriptedTransport;
using testing::failure;
using testing::reply;
using testing::streamOf;

// What the handlers saw, in order, as "upsert:name@rv" / "delete:name" / "synced".
class Recorder {
 public:
  InformerHandlers handlers() {
    return InformerHandlers{
        [this](const json& o) { add("upsert:" + name(o) + "@" + o["metadata"].value("resourceVersion", "")); },
        [this](const json& o) { add("delete:" + name(o)); },
        [this] { add("synced"); },
    };
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  static std::string name(const json& o) { return o["metadata"].value("name", ""); }
  void add(std::string s) {
    std::lock_guard lock(mutex_);
    seen_.push_back(std::move(s));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

std::string configMapList(std::string resourceVersion, std::vector<std::pair<std::string, std::string>> items) {
  json list = {{"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", resourceVersion}}}};
  list["items"] = json::array();
  for (auto& [name, rv] : items) {
    list["items"].push_back({{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}});
  }
  return list.dump();
}

std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  return json({{"type", type}, {"object", {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}}}})
      .dump();
}

std::string queryValue(const std::string& target, const std::string& key) {
  size_t at = target.find(key + "=");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 1;
  return target.substr(start, target.find('&', start) - start);
}

struct InformerFixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>();
  std::shared_ptr<KubeClient> client = std::make_shared<KubeClient>(transport, RetryPolicy{}, sleeper);
  Recorder recorder;

  std::unique_ptr<Informer> make() {
    InformerOptions options;
    options.type = resources::kConfigMaps;
    options.ns = "ns";
    options.watchTimeoutSeconds = 120;
    return std::make_unique<Informer>(client, options, recorder.handlers(), sleeper);
  }
};

TEST_CASE("Informer: relists on 410 Gone and reports what vanished", "[k8s][informer]") {
  InformerFixture f;
  f.transport->push(reply(200, configMapList("10", {{"a", "5"}, {"b", "6"}})));
  f.transport->push(streamOf({
      event("MODIFIED", "a", "11"),
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})",
      R"J({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 12 (40)"}})J",
  }));
  // While disconnected, b was deleted and c created; a is unchanged since the MODIFIED.
  f.transport->push(reply(200, configMapList("50", {{"a", "11"}, {"c", "45"}})));
  // Then the watch from 50 stays open and idle until stop().

  auto informer = f.make();
  informer->start();
  REQUIRE(informer->waitForSync(std::chrono::seconds(5)));
  REQUIRE(f.transport->waitForRequests(4));

  CHECK(f.recorder.seen() ==
        std::vector<std::string>{"upsert:a@5", "upsert:b@6", "synced", "upsert:a@11", "delete:b", "upsert:c@45"});
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 4);
  CHECK(queryValue(requests[1].target, "resourceVersion") == "10");
  CHECK(queryValue(requests[1].target, "allowWatchBookmarks") == "true");
  CHECK(queryValue(requests[1].target, "timeoutSeconds") == "120");
  CHECK(requests[2].target.find("watch") == std::string::npos);  // a list, not a watch
  CHECK(queryValue(requests[3].target, "resourceVersion") == "50");

  CHECK(informer->lastResourceVersion() == "50");
  CHECK(informer->find("ns", "a").has_value());
  CHECK_FALSE(informer->find("ns", "b").has_value());
  CHECK(informer->snapshot().size() == 2);
  InformerStats stats = informer->stats();
  CHECK(stats.lists == 2);
  CHECK(stats.gone == 1);
  CHECK(stats.watches == 2);
  CHECK(f.sleeper->delays().empty());  // a relist after Gone does not wait

  auto started = std::chrono::steady_clock::now();
  informer->stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}

TEST_CASE("Informer: a dropped watch resumes from the last resourceVersion", "[k8s][informer]") {
  InformerFixture f;
  f.transport->push(reply(200, configMapList("10", {})));
  f.transport->push(streamOf({event("ADDED", "x", "11"), R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"14"}}})"}));
  f.transport->push(failure(unavailable("GET https://h/api/v1/namespaces/ns/configmaps: Connection refused")));
  f.transport->push(reply(503, R"({"kind":"Status","code":503,"message":"apiserver is shutting down"})"));
  f.transport->push(streamOf({event("DELETED", "x", "15")}, /*holdOpen=*/true));

  auto informer = f.make();
  informer->start();
  REQUIRE(f.transport->waitForRequests(5));
  // The last stream delivered its event before holding open.
  for (int i = 0; i < 100 && f.recorder.seen().size() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  CHECK(f.recorder.seen() == std::vector<std::string>{"synced", "upsert:x@11", "delete:x"});
  auto requests = f.transport->requests();
  REQUIRE(requests.size() == 5);
  CHECK(queryValue(requests[1].target, "resourceVersion") == "10");
  CHECK(queryValue(requests[2].target, "resourceVersion") == "14");  // the bookmark's
  CHECK(queryValue(requests[3].target, "resourceVersion") == "14");
  CHECK(queryValue(requests[4].target, "resourceVersion") == "14");
  InformerStats stats = informer->stats();
  CHECK(stats.lists == 1);
  CHECK(stats.gone == 0);
  CHECK(stats.reconnects >= 2);
  // Backoff grows between consecutive failures (500 ms doubling, +/- 20 %).
  auto delays = f.sleeper->delays();
  REQUIRE(delays.size() >= 2);
  CHECK(delays[1] > delays[0]);

  auto started = std::chrono::steady_clock::now();
  informer->stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  CHECK(informer->snapshot().empty());
}

TEST_CASE("Informer: a failing first list is retried with backoff, stop() interrupts", "[k8s][informer]") {
  InformerFixture f;
  f.transport->push(reply(403, R"({"kind":"Status","code":403,"reason":"Forbidden","message":"no"})"));
  f.transport->push(reply(200, configMapList("7", {{"a", "1"}})));
  auto informer = f.make();
  informer->start();
  REQUIRE(informer->waitForSync(std::chrono::seconds(5)));
  CHECK(informer->hasSynced());
  CHECK(f.sleeper->delays().size() == 1);
  CHECK(f.recorder.seen() == std::vector<std::string>{"upsert:a@1", "synced"});
  informer->stop();
  informer->stop();  // idempotent
}

}  // namespace
}  // namespace floe::k8s
