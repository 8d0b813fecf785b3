// The head's state: one SQLite database, one connection, serialised by a mutex.
//
// Durability: state changes (joins, approvals, token changes, events) commit with
// synchronous=FULL, so an acknowledged change survives a crash or power loss.
// Liveness updates (last-seen, load) commit with synchronous=NORMAL: in WAL mode
// they survive a process crash, and at worst the last few seconds of heartbeat
// timestamps are lost on power loss, which the next heartbeat repairs. Routine
// heartbeats are additionally batched in memory by NodeRegistry and flushed at least
// once a second (every lost-node sweep), so a kill -9 loses up to ~1 s of last-seen.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <type_traits>

#include "floe/common/status.h"
#include "floe/sqlite/database.h"

namespace floe::appliance {

enum class Durability { kFull, kRelaxed };

class Store {
 public:
  // Opens or creates the database and applies pending schema migrations.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path);

  // Runs fn(Database&) in one write transaction; rolls back if fn returns an error.
  // fn returns Status or Result<T>; write() returns the same.
  template <typename Fn>
  auto write(Durability durability, Fn&& fn) -> decltype(fn(std::declval<sqlite::Database&>())) {
    std::lock_guard lock(mutex_);
    FLOE_RETURN_IF_ERROR(setDurability(durability));
    FLOE_ASSIGN_OR_RETURN(sqlite::Transaction tx, sqlite::Transaction::begin(db_));
    auto result = fn(db_);
    if (!result.isOk()) return result;  // tx rolls back
    FLOE_RETURN_IF_ERROR(tx.commit());
    return result;
  }

  // Runs fn(Database&) for reading (no transaction needed: one statement sees a snapshot).
  template <typename Fn>
  auto read(Fn&& fn) -> decltype(fn(std::declval<sqlite::Database&>())) {
    std::lock_guard lock(mutex_);
    return fn(db_);
  }

  Result<int> schemaVersion();
  // A small write that proves the database file is writable (for /readyz).
  Status probeWritable();

 private:
  explicit Store(sqlite::Database db) : db_(std::move(db)) {}
  Status setDurability(Durability durability);

  std::mutex mutex_;
  sqlite::Database db_;
  Durability current_ = Durability::kFull;
};

}  // namespace floe::appliance
