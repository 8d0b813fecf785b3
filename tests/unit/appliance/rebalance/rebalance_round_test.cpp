#include <catch2/catch.hpp>

#include <memory>

#include "../../common/k8s/scripted_transport.h"
#include "rebalance/rebalance_round.h"

namespace floe::appliance::rebalance {
namespace {

using nlohmann::json;
using k8s::testing::FakeSleeper;
using k8s::testing::ScriptedTransport;
using k8s::testing::reply;

json nodeObject(const std::string& name, json taints = json::array()) {
  return {{"metadata", {{"name", name}, {"resourceVersion", "1"}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"spec", {{"taints", std::move(taints)}}},
          {"status",
           {{"allocatable", {{"cpu", "10"}, {"memory", "64Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

json podObject(const std::string& name, const std::string& node) {
  return {{"metadata",
           {{"namespace", "apps"},
            {"name", name},
            {"labels", {{"app", "b"}}},
            {"ownerReferences", json::array({{{"kind", "ReplicaSet"}, {"name", "b-rs"}, {"controller", true}}})}}},
          {"spec",
           {{"nodeName", node},
            {"containers", json::array({{{"name", "app"}, {"resources", {{"requests", {{"cpu", "2"}, {"memory", "1Gi"}}}}}}})}}},
          {"status", {{"phase", "Running"}}}};
}

std::string list(json items) { return json{{"metadata", json::object()}, {"items", std::move(items)}}.dump(); }

struct RoundFixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>(clock);
  std::shared_ptr<k8s::KubeClient> client =
      std::make_shared<k8s::KubeClient>(transport, k8s::RetryPolicy{}, sleeper, clock);
  std::shared_ptr<MemorySteeringJournal> journal = std::make_shared<MemorySteeringJournal>();

  // "busy" runs b-1 and b-2 (2 cores each of 10), "idle" nothing: one eviction balances.
  void snapshotBefore() {
    transport->push(reply(200, list(json::array({nodeObject("busy"), nodeObject("idle")}))));
    transport->push(reply(200, list(json::array({podObject("b-1", "busy"), podObject("b-2", "busy")}))));
    transport->push(reply(200, list(json::array())));
  }
  void snapshotAfter(json busyTaints = json::array()) {
    transport->push(reply(200, list(json::array({nodeObject("busy", std::move(busyTaints)), nodeObject("idle")}))));
    transport->push(reply(200, list(json::array({podObject("b-2", "busy"), podObject("b-3", "idle")}))));
    transport->push(reply(200, list(json::array())));
  }
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    for (const auto& r : transport->requests()) out.push_back(r.method + " " + r.target.substr(0, r.target.find('?')));
    return out;
  }
};

const json kSteering = {{"key", kSteeringTaintKey}, {"effect", "PreferNoSchedule"}};

TEST_CASE_METHOD(RoundFixture, "round: the source node is tainted before evicting and untainted once replacements run",
                 "[rebalance][round]") {
  snapshotBefore();
  transport->push(reply(200, nodeObject("busy").dump()));                                  // taint: read
  transport->push(reply(200, nodeObject("busy", json::array({kSteering})).dump()));        // taint: write
  transport->push(reply(201, "{}"));                                                       // eviction
  snapshotAfter(json::array({kSteering}));                                                 // verified
  transport->push(reply(200, nodeObject("busy", json::array({kSteering})).dump()));        // release: read
  transport->push(reply(200, nodeObject("busy").dump()));                                  // release: write
  RebalanceRound round(client, RebalancePolicy{}, *clock, sleeper, journal);
  RoundReport report = round.run(RoundRequest{"test", false}, RoundReport{});
  INFO(report.toJson().dump(1));
  CHECK(report.outcome == "balanced");
  CHECK(report.evictions == 1);
  CHECK(calls() == std::vector<std::string>{
                       "GET /api/v1/nodes", "GET /api/v1/pods", "GET /apis/policy/v1/poddisruptionbudgets",
                       "GET /api/v1/nodes/busy", "PATCH /api/v1/nodes/busy",
                       "POST /api/v1/namespaces/apps/pods/b-1/eviction",
                       "GET /api/v1/nodes", "GET /api/v1/pods", "GET /apis/policy/v1/poddisruptionbudgets",
                       "GET /api/v1/nodes/busy", "PATCH /api/v1/nodes/busy"});
  auto requests = transport->requests();
  CHECK(json::parse(requests[4].body)["spec"]["taints"] == json::array({kSteering}));
  CHECK(json::parse(requests[10].body)["spec"]["taints"] == json::array());
  CHECK(journal->recorded().value().empty());
  CHECK(report.detail["passes"][0]["steered_away_from"] == 1);
}

TEST_CASE_METHOD(RoundFixture, "round: credentials that may not patch Nodes rebalance without steering",
                 "[rebalance][round]") {
  snapshotBefore();
  transport->push(reply(403, R"({"kind":"Status","status":"Failure","reason":"Forbidden","code":403,)"
                             R"("message":"nodes \"busy\" is forbidden"})"));                // taint: read refused
  transport->push(reply(201, "{}"));                                                       // eviction, re-planned
  snapshotAfter();
  RebalanceRound round(client, RebalancePolicy{}, *clock, sleeper, journal);
  RoundReport report = round.run(RoundRequest{"test", false}, RoundReport{});
  INFO(report.toJson().dump(1));
  CHECK(report.outcome == "balanced");
  CHECK(report.evictions == 1);
  auto passes = report.detail["passes"];
  REQUIRE(passes.size() == 2);
  CHECK_THAT(passes[0]["steering_error"].get<std::string>(), Catch::Contains("busy"));
  CHECK(passes[0]["evicted"] == 0);
  CHECK_FALSE(passes[1].contains("steered_away_from"));
  CHECK(passes[1]["evicted"] == 1);
  CHECK(journal->recorded().value().empty());
}

TEST_CASE_METHOD(RoundFixture, "round: a dry run sets no taint", "[rebalance][round]") {
  snapshotBefore();
  RebalanceRound round(client, RebalancePolicy{}, *clock, sleeper, journal);
  RoundReport report = round.run(RoundRequest{"test", true}, RoundReport{});
  CHECK(report.outcome == "dry_run");
  CHECK(report.evictions == 1);
  CHECK(transport->requests().size() == 3);  // the snapshot only
}

}  // namespace
}  // namespace floe::appliance::rebalance
