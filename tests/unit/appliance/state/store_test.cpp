#include "state/store.h"

#include <catch2/catch.hpp>

#include <string>

#include "../../support/temp_dir.h"
#include "state/schema.h"

namespace floe::appliance {
namespace {

using Catch::Matchers::Contains;

std::unique_ptr<Store> openOrFail(const std::filesystem::path& path) {
  auto store = Store::open(path);
  INFO(store.status().toString());
  REQUIRE(store.isOk());
  return std::move(store).value();
}

Result<int64_t> countRows(Store& store, std::string_view table) {
  return store.read([&](sqlite::Database& db) -> Result<int64_t> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT COUNT(*) FROM " + std::string(table)));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return internalError("COUNT(*) returned no row");
    return select.columnInt(0);
  });
}

TEST_CASE("Store::open creates the database and applies every migration", "[state][store]") {
  testing::TempDir dir;
  auto store = openOrFail(dir / "floe.db");
  const int newest = static_cast<int>(schemaMigrations().size());
  REQUIRE(newest >= 1);
  CHECK(store->schemaVersion().value() == newest);
  for (std::string_view table : {"settings", "tokens", "nodes", "events"}) {
    INFO(table);
    auto rows = countRows(*store, table);
    REQUIRE(rows.isOk());
    CHECK(*rows == 0);
  }
}

TEST_CASE("Store::open on an up-to-date database changes nothing", "[state][store]") {
  testing::TempDir dir;
  const auto path = dir / "floe.db";
  { auto first = openOrFail(path); }
  auto again = openOrFail(path);
  CHECK(again->schemaVersion().value() == static_cast<int>(schemaMigrations().size()));
  // One row per migration, not one per open.
  CHECK(countRows(*again, "schema_version").value() == static_cast<int64_t>(schemaMigrations().size()));
}

TEST_CASE("Store::open refuses a database written by a newer floe", "[state][store]") {
  testing::TempDir dir;
  const auto path = dir / "floe.db";
  { auto created = openOrFail(path); }
  const int64_t future = static_cast<int64_t>(schemaMigrations().size()) + 1;
  {
    auto db = sqlite::Database::open(path);
    REQUIRE(db.isOk());
    auto insert = db->prepare("INSERT INTO schema_version (version) VALUES (?)");
    REQUIRE(insert.isOk());
    REQUIRE(insert->bind(1, future).run().isOk());
  }
  auto refused = Store::open(path);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(refused.status().message(), Contains("schema version " + std::to_string(future)));
  CHECK_THAT(refused.status().message(), Contains("newer floe"));
  CHECK_THAT(refused.status().message(), Contains(path.string()));
}

TEST_CASE("Store::write commits on success and rolls back on error", "[state][store]") {
  testing::TempDir dir;
  auto store = openOrFail(dir / "floe.db");

  Status committed = store->write(Durability::kFull, [](sqlite::Database& db) -> Status {
    return db.execute("INSERT INTO settings (key, value) VALUES ('kept', '1')");
  });
  REQUIRE(committed.isOk());

  Status failed = store->write(Durability::kFull, [](sqlite::Database& db) -> Status {
    FLOE_RETURN_IF_ERROR(db.execute("INSERT INTO settings (key, value) VALUES ('discarded', '1')"));
    return failedPrecondition("changed my mind");
  });
  CHECK(failed.code() == ErrorCode::kFailedPrecondition);
  CHECK(failed.message() == "changed my mind");

  Result<int> value = store->write(Durability::kFull, [](sqlite::Database&) -> Result<int> { return 7; });
  CHECK(value.value() == 7);

  auto keys = store->read([](sqlite::Database& db) -> Result<std::string> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT group_concat(key) FROM settings"));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return internalError("no row");
    return select.columnText(0);
  });
  REQUIRE(keys.isOk());
  CHECK(*keys == "kept");
}

TEST_CASE("Store::write applies the requested durability", "[state][store]") {
  testing::TempDir dir;
  auto store = openOrFail(dir / "floe.db");
  auto synchronousDuring = [&](Durability durability) {
    return store->write(durability, [](sqlite::Database& db) -> Result<int64_t> {
      FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("PRAGMA synchronous"));
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) return internalError("no row");
      return select.columnInt(0);
    });
  };
  CHECK(synchronousDuring(Durability::kRelaxed).value() == 1);  // NORMAL
  CHECK(synchronousDuring(Durability::kFull).value() == 2);     // FULL
  CHECK(synchronousDuring(Durability::kRelaxed).value() == 1);
}

TEST_CASE("Store::probeWritable succeeds on a writable database", "[state][store]") {
  testing::TempDir dir;
  auto store = openOrFail(dir / "floe.db");
  CHECK(store->probeWritable().isOk());
  CHECK(store->probeWritable().isOk());  // the second probe updates the same row
  CHECK(countRows(*store, "settings").value() == 1);
}

}  // namespace
}  // namespace floe::appliance
