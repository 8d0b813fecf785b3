#include <catch2/catch.hpp>

#include "../../support/temp_dir.h"
#include "rebalance/rebalance_controller.h"
#include "rebalance/report_store.h"

namespace floe::appliance::rebalance {
namespace {

struct ReportFixture {
  floe::testing::TempDir dir;
  std::unique_ptr<Store> store = Store::open(dir / "floe.db").value();
  ReportStore reports{*store};
};

TEST_CASE_METHOD(ReportFixture, "report store: a round is recorded running, then completed", "[rebalance][store]") {
  RoundReport report;
  report.trigger = "node-ready:w4";
  report.startedAtMillis = 1'700'000'000'000;
  auto id = reports.insert(report);
  REQUIRE(id.isOk());
  auto running = reports.get(*id);
  REQUIRE(running.isOk());
  CHECK(running->outcome == "running");
  CHECK(running->summaryJson()["finished_at"].is_null());

  report.id = *id;
  report.outcome = "balanced";
  report.finishedAtMillis = report.startedAtMillis + 4500;
  report.spreadBefore = 60;
  report.spreadAfter = 8.5;
  report.evictions = 9;
  report.detail = {{"before", {{"nodes", nlohmann::json::array({{{"node", "w1"}, {"cpu_percent", 60}}})}}}};
  REQUIRE(reports.update(report).isOk());
  auto done = reports.get(*id);
  REQUIRE(done.isOk());
  CHECK(done->outcome == "balanced");
  CHECK(done->trigger == "node-ready:w4");
  CHECK(done->spreadAfter == Approx(8.5));
  CHECK(done->evictions == 9);
  CHECK(done->detail["before"]["nodes"][0]["node"] == "w1");
  auto json = done->toJson();
  CHECK(json["duration_ms"] == 4500);
  CHECK(json["started_at"] == "2023-11-14T22:13:20Z");
}

TEST_CASE_METHOD(ReportFixture, "report store: newest first, limited, without detail", "[rebalance][store]") {
  for (int i = 0; i < 5; ++i) {
    RoundReport report;
    report.trigger = "api";
    report.startedAtMillis = 1000 * i;
    report.detail = {{"big", std::string(1000, 'x')}};
    REQUIRE(reports.insert(report).isOk());
  }
  auto listed = reports.list(3);
  REQUIRE(listed.isOk());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].id == 5);
  CHECK((*listed)[2].id == 3);
  CHECK((*listed)[0].detail.empty());
  CHECK_FALSE(reports.get(99).isOk());
  CHECK(reports.get(99).status().code() == ErrorCode::kNotFound);
}

TEST_CASE_METHOD(ReportFixture, "report store: rounds a stopped head left running are marked interrupted",
                 "[rebalance][store]") {
  RoundReport report;
  report.trigger = "schedule";
  auto id = reports.insert(report);
  REQUIRE(id.isOk());
  REQUIRE(reports.markInterrupted().isOk());
  CHECK(reports.get(*id)->outcome == "interrupted");
}

TEST_CASE("triggers: a node becoming available or changing capacity, per the policy switches", "[rebalance][triggers]") {
  TriggerPolicy triggers;
  NodeCapacityState ready{true, 8000, 32LL << 30, 0};
  NodeCapacityState notReady = ready;
  notReady.available = false;
  CHECK(triggerFor("w4", std::nullopt, ready, triggers) == "node-ready:w4");
  CHECK(triggerFor("w4", notReady, ready, triggers) == "node-ready:w4");
  CHECK(triggerFor("w4", ready, ready, triggers).empty());  // a heartbeat: nothing changed
  CHECK(triggerFor("w4", ready, notReady, triggers).empty());
  NodeCapacityState bigger = ready;
  bigger.cpuMillis = 16000;
  CHECK(triggerFor("w4", ready, bigger, triggers) == "capacity:w4");
  bigger = ready;
  bigger.gpus = 2;
  CHECK(triggerFor("w4", ready, bigger, triggers) == "capacity:w4");
  triggers.onCapacityChange = false;
  CHECK(triggerFor("w4", ready, bigger, triggers).empty());
  triggers.onNodeReady = false;
  CHECK(triggerFor("w4", notReady, ready, triggers).empty());
}

}  // namespace
}  // namespace floe::appliance::rebalance
