#include "state/event_log.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../support/temp_dir.h"

namespace floe::appliance {
namespace {

std::vector<std::string> messages(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) out.push_back(event.message);
  return out;
}

struct EventLogFixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Store::open(dir / "floe.db").value();

  void record(int64_t at, std::string kind, std::optional<std::string> nodeId, std::string message) {
    Status status = store->write(Durability::kFull, [&](sqlite::Database& db) {
      return recordEvent(db, Event{0, at, kind, nodeId, std::nullopt, "system", message});
    });
    REQUIRE(status.isOk());
  }

  std::vector<Event> list(EventFilter filter) {
    auto events = listEvents(*store, filter);
    REQUIRE(events.isOk());
    return std::move(events).value();
  }
};

TEST_CASE("listEvents: newest first, with every field", "[state][events]") {
  EventLogFixture f;
  f.record(1000, "token.created", std::nullopt, "first");
  f.record(2000, "node.joined", "n1", "second");
  f.record(3000, "node.lost", "n1", "third");

  auto events = f.list({});
  REQUIRE(events.size() == 3);
  CHECK(messages(events) == std::vector<std::string>{"third", "second", "first"});
  CHECK(events[0].id > events[1].id);
  CHECK(events[1].id > events[2].id);
  CHECK(events[0].atMillis == 3000);
  CHECK(events[0].kind == "node.lost");
  CHECK(events[0].nodeId == std::optional<std::string>("n1"));
  CHECK_FALSE(events[0].tokenId.has_value());
  CHECK(events[0].actor == "system");
  CHECK_FALSE(events[2].nodeId.has_value());
}

TEST_CASE("listEvents: order follows insertion, not the timestamp", "[state][events]") {
  // Two events in the same millisecond (or a clock step backwards) still list in the
  // order they were recorded.
  EventLogFixture f;
  f.record(5000, "node.joined", "n1", "earlier");
  f.record(4000, "node.lost", "n1", "later");
  CHECK(messages(f.list({})) == std::vector<std::string>{"later", "earlier"});
}

TEST_CASE("listEvents: filters by node, by kind, both, and limits", "[state][events]") {
  EventLogFixture f;
  f.record(1, "node.joined", "n1", "n1 joined");
  f.record(2, "node.joined", "n2", "n2 joined");
  f.record(3, "node.lost", "n1", "n1 lost");
  f.record(4, "token.created", std::nullopt, "token");
  f.record(5, "node.recovered", "n1", "n1 recovered");

  EventFilter byNode;
  byNode.nodeId = "n1";
  CHECK(messages(f.list(byNode)) == std::vector<std::string>{"n1 recovered", "n1 lost", "n1 joined"});

  EventFilter byKind;
  byKind.kind = "node.joined";
  CHECK(messages(f.list(byKind)) == std::vector<std::string>{"n2 joined", "n1 joined"});

  EventFilter both;
  both.nodeId = "n2";
  both.kind = "node.joined";
  CHECK(messages(f.list(both)) == std::vector<std::string>{"n2 joined"});

  EventFilter none;
  none.nodeId = "n9";
  CHECK(f.list(none).empty());

  EventFilter limited;
  limited.limit = 2;
  CHECK(messages(f.list(limited)) == std::vector<std::string>{"n1 recovered", "token"});
}

TEST_CASE("recordEvent: an event recorded in a rolled-back write is gone", "[state][events]") {
  EventLogFixture f;
  Status status = f.store->write(Durability::kFull, [](sqlite::Database& db) -> Status {
    FLOE_RETURN_IF_ERROR(recordEvent(db, Event{0, 1, "node.joined", "n1", std::nullopt, "system", "x"}));
    return internalError("the change failed after the event was written");
  });
  CHECK(status.code() == ErrorCode::kInternal);
  CHECK(f.list({}).empty());
}

}  // namespace
}  // namespace floe::appliance
