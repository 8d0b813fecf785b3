#include <catch2/catch.hpp>

#include <memory>

#include "../../common/k8s/scripted_transport.h"
#include "../../support/temp_dir.h"
#include "rebalance/steering.h"

namespace floe::appliance::rebalance {
namespace {

using nlohmann::json;
using k8s::testing::FakeSleeper;
using k8s::testing::ScriptedTransport;
using k8s::testing::reply;

json nodeWith(const std::string& name, const std::string& resourceVersion, json taints, bool cordoned = false) {
  json spec = {{"taints", std::move(taints)}};
  if (cordoned) spec["unschedulable"] = true;
  return {{"apiVersion", "v1"}, {"kind", "Node"},
          {"metadata", {{"name", name}, {"resourceVersion", resourceVersion}}}, {"spec", spec}};
}

const json kAdminTaint = {{"key", "example.com/maintenance"}, {"value", "soon"}, {"effect", "PreferNoSchedule"}};
const json kCordonTaint = {{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}};
const json kSteering = {{"key", kSteeringTaintKey}, {"effect", "PreferNoSchedule"}};

struct SteeringFixture {
  floe::testing::TempDir dir;
  std::unique_ptr<Store> store = Store::open(dir / "floe.db").value();
  FakeClock clock;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<FakeClock> kubeClock = std::make_shared<FakeClock>();
  k8s::KubeClient client{transport, k8s::RetryPolicy{}, std::make_shared<FakeSleeper>(kubeClock), kubeClock};
  StoreSteeringJournal journal{*store, clock};
  NodeSteering steering{client, journal};

  std::vector<std::string> journalled() { return journal.recorded().value(); }
  json patchBody(size_t request) { return json::parse(transport->requests().at(request).body); }
};

TEST_CASE_METHOD(SteeringFixture, "steering: taints are journalled first, set beside others, removed alone",
                 "[rebalance][steering]") {
  // A cordoned node with an administrator's taint: both stay as they are.
  transport->push(reply(200, nodeWith("w1", "7", json::array({kAdminTaint, kCordonTaint}), true).dump()));
  transport->push(reply(200, nodeWith("w1", "8", json::array({kAdminTaint, kCordonTaint, kSteering}), true).dump()));
  REQUIRE(steering.taint({"w1"}).isOk());
  CHECK(journalled() == std::vector<std::string>{"w1"});
  auto requests = transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].method == "PATCH");
  CHECK(requests[1].target == "/api/v1/nodes/w1");
  json patch = patchBody(1);
  CHECK(patch["metadata"]["resourceVersion"] == "7");  // refused if the node changed meanwhile
  CHECK(patch["spec"]["taints"] == json::array({kAdminTaint, kCordonTaint, kSteering}));
  CHECK_FALSE(patch["spec"].contains("unschedulable"));  // the cordon is not floe's to touch

  transport->push(reply(200, nodeWith("w1", "9", json::array({kAdminTaint, kCordonTaint, kSteering}), true).dump()));
  transport->push(reply(200, nodeWith("w1", "10", json::array({kAdminTaint, kCordonTaint}), true).dump()));
  REQUIRE(steering.release().isOk());
  CHECK(patchBody(3)["spec"]["taints"] == json::array({kAdminTaint, kCordonTaint}));
  CHECK(patchBody(3)["metadata"]["resourceVersion"] == "9");
  CHECK(journalled().empty());
  // Nothing journalled: nothing to do, no request.
  REQUIRE(steering.release().isOk());
  CHECK(transport->requests().size() == 4);
}

TEST_CASE_METHOD(SteeringFixture, "steering: a key floe did not set this time is left alone", "[rebalance][steering]") {
  transport->push(reply(200, nodeWith("w1", "3", json::array({kSteering})).dump()));
  REQUIRE(steering.taint({"w1"}).isOk());
  CHECK(transport->requests().size() == 1);  // read only
  CHECK(journalled().empty());
  REQUIRE(steering.release().isOk());
  CHECK(transport->requests().size() == 1);
}

TEST_CASE_METHOD(SteeringFixture, "steering: a node changed meanwhile is read again", "[rebalance][steering]") {
  transport->push(reply(200, nodeWith("w1", "1", json::array()).dump()));
  transport->push(reply(409, R"({"kind":"Status","status":"Failure","reason":"Conflict","code":409})"));
  transport->push(reply(200, nodeWith("w1", "2", json::array({kAdminTaint})).dump()));
  transport->push(reply(200, nodeWith("w1", "3", json::array({kAdminTaint, kSteering})).dump()));
  REQUIRE(steering.taint({"w1"}).isOk());
  CHECK(patchBody(3)["spec"]["taints"] == json::array({kAdminTaint, kSteering}));
  CHECK(patchBody(3)["metadata"]["resourceVersion"] == "2");
}

TEST_CASE_METHOD(SteeringFixture, "steering: the journal outlives the process that wrote it", "[rebalance][steering]") {
  // A head that stopped mid-pass: the journal in SQLite names the node, and the next
  // head's release (at start) removes the taint.
  REQUIRE(journal.record("w2").isOk());
  store.reset();
  store = Store::open(dir / "floe.db").value();
  StoreSteeringJournal reopened(*store, clock);
  NodeSteering next(client, reopened);
  transport->push(reply(200, nodeWith("w2", "5", json::array({kSteering})).dump()));
  transport->push(reply(200, nodeWith("w2", "6", json::array()).dump()));
  REQUIRE(next.release().isOk());
  CHECK(patchBody(1)["spec"]["taints"] == json::array());
  CHECK(reopened.recorded().value().empty());

  SECTION("a node deleted meanwhile is forgotten") {
    REQUIRE(reopened.record("gone").isOk());
    transport->push(reply(404, R"({"kind":"Status","status":"Failure","reason":"NotFound","code":404})"));
    REQUIRE(next.release().isOk());
    CHECK(reopened.recorded().value().empty());
  }
  SECTION("a failure keeps the node journalled for the next release, and says which") {
    REQUIRE(reopened.record("w3").isOk());
    transport->push(reply(403, R"({"kind":"Status","status":"Failure","reason":"Forbidden","code":403})"));
    Status released = next.release();
    CHECK_FALSE(released.isOk());
    CHECK_THAT(released.message(), Catch::Contains("w3"));
    CHECK(reopened.recorded().value() == std::vector<std::string>{"w3"});
  }
}

}  // namespace
}  // namespace floe::appliance::rebalance
