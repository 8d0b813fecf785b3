#include "state/schema.h"

#include <spdlog/spdlog.h>

namespace floe::appliance {

const std::vector<std::string_view>& schemaMigrations() {
  static const std::vector<std::string_view> kMigrations = {
      // 1: tokens, nodes, the audit log and key/value settings. Times are unix milliseconds.
      R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  max_uses    INTEGER,
  uses        INTEGER NOT NULL DEFAULT 0,
  labels      TEXT NOT NULL DEFAULT '{}',
  pending     INTEGER NOT NULL DEFAULT 0,
  revoked_at  INTEGER
);
CREATE TABLE nodes (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  machine_id      TEXT NOT NULL UNIQUE,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'lost')),
  labels          TEXT NOT NULL DEFAULT '{}',
  address         TEXT NOT NULL,
  token_id        TEXT,
  joined_at       INTEGER NOT NULL,
  last_seen_at    INTEGER,
  cert_sha256     TEXT NOT NULL,
  cert_expires_at INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'unknown',
  inventory       TEXT,
  inventory_hash  TEXT NOT NULL DEFAULT '',
  preflight       TEXT NOT NULL DEFAULT '[]',
  load            TEXT,
  k3s             TEXT
);
CREATE TABLE events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  at       INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  node_id  TEXT,
  token_id TEXT,
  actor    TEXT NOT NULL,
  message  TEXT NOT NULL
);
CREATE INDEX events_by_node ON events (node_id, id);
CREATE INDEX events_by_kind ON events (kind, id);
)sql",
      // 2: the web console's accounts and sessions. A session is stored by the SHA-256
      // of its id, so a copy of the database cannot be replayed as a cookie.
      R"sql(
CREATE TABLE console_users (
  name                TEXT PRIMARY KEY,
  password_hash       TEXT NOT NULL,
  created_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
);
CREATE TABLE console_sessions (
  id_sha256    TEXT PRIMARY KEY,
  user_name    TEXT NOT NULL REFERENCES console_users (name) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_name);
)sql",
      // 3: the lakehouse stack the head deploys: each component's last observed state, and the
      // credentials the head generated for it (never logged; the data directory is 0700).
      R"sql(
CREATE TABLE stack_components (
  name       TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  version    TEXT NOT NULL DEFAULT '',
  state      TEXT NOT NULL,
  message    TEXT NOT NULL DEFAULT '',
  endpoint   TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
CREATE TABLE stack_secrets (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
)sql",
      // 4: rebalance rounds (appliance/rebalance/report_store.h). summary and detail are JSON.
      R"sql(
CREATE TABLE rebalance_reports (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at INTEGER NOT NULL,
  outcome    TEXT NOT NULL,
  summary    TEXT NOT NULL,
  detail     TEXT NOT NULL
);
)sql",
      // 5: nodes the rebalancer tainted floe.io/rebalancing:PreferNoSchedule for a pass
      // (appliance/rebalance/steering.h): written before the taint is set and deleted once it
      // is removed, so a head that stopped mid-pass removes the taint when it starts again.
      R"sql(
CREATE TABLE rebalance_steering (
  node       TEXT PRIMARY KEY,
  tainted_at INTEGER NOT NULL
);
)sql",
  };
  return kMigrations;
}

Status migrateSchema(sqlite::Database& db) {
  FLOE_RETURN_IF_ERROR(
      db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  FLOE_ASSIGN_OR_RETURN(bool hasRow, select.step());
  int current = hasRow ? static_cast<int>(select.columnInt(0)) : 0;
  const auto& migrations = schemaMigrations();
  int newest = static_cast<int>(migrations.size());
  if (current > newest) {
    return failedPrecondition("the database has schema version " + std::to_string(current) +
                              " but this floe knows only up to " + std::to_string(newest) +
                              "; it was written by a newer floe: upgrade floe instead of downgrading");
  }
  for (int version = current + 1; version <= newest; ++version) {
    FLOE_ASSIGN_OR_RETURN(sqlite::Transaction tx, sqlite::Transaction::begin(db));
    FLOE_RETURN_IF_ERROR(db.execute(migrations[static_cast<size_t>(version - 1)])
                             .withContext("applying schema migration " + std::to_string(version)));
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO schema_version (version) VALUES (?)"));
    FLOE_RETURN_IF_ERROR(insert.bind(1, static_cast<int64_t>(version)).run());
    FLOE_RETURN_IF_ERROR(tx.commit());
    spdlog::info("schema migrated version={}", version);
  }
  return Status::ok();
}

}  // namespace floe::appliance
