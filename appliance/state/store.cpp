#include "state/store.h"

#include "state/schema.h"

namespace floe::appliance {

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path) {
  FLOE_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::open(path));
  FLOE_RETURN_IF_ERROR(migrateSchema(db).withContext("migrating " + path.string()));
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

Status Store::setDurability(Durability durability) {
  if (durability == current_) return Status::ok();
  FLOE_RETURN_IF_ERROR(db_.execute(durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                                   : "PRAGMA synchronous=NORMAL"));
  current_ = durability;
  return Status::ok();
}

Result<int> Store::schemaVersion() {
  return read([](sqlite::Database& db) -> Result<int> {
    FLOE_ASSIGN_OR_RETURN(auto stmt, db.prepare("SELECT MAX(version) FROM schema_version"));
    FLOE_ASSIGN_OR_RETURN(bool row, stmt.step());
    return row ? static_cast<int>(stmt.columnInt(0)) : 0;
  });
}

Status Store::probeWritable() {
  return write(Durability::kRelaxed, [](sqlite::Database& db) -> Status {
    return db.execute(
        "INSERT INTO settings (key, value) VALUES ('readyz_probe', strftime('%s','now')) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  });
}

}  // namespace floe::appliance
