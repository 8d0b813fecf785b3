// A thin RAII wrapper over SQLite: one connection, prepared statements, transactions.
// Not thread-safe by itself: the owner serialises access (see appliance/state/store.h).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::sqlite {

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database file with WAL journaling, foreign keys on,
  // synchronous=FULL (an acknowledged commit survives power loss) and a busy timeout.
  static Result<Database> open(const std::filesystem::path& path);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  Status execute(std::string_view sql);  // one or more statements, no parameters
  Result<Statement> prepare(std::string_view sql);
  int64_t lastInsertRowId() const;
  int changes() const;
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::optional<int64_t>& value);
  Statement& bind(int index, const std::optional<std::string>& value);
  Statement& bindNull(int index);

  // true: a row is available; false: done. Errors (including constraint violations)
  // come back as a Status; kAlreadyExists for UNIQUE/PRIMARY KEY violations.
  Result<bool> step();
  Status run();  // step() to completion, for statements that return no rows
  void reset();

  int64_t columnInt(int index) const;
  std::string columnText(int index) const;
  std::optional<int64_t> columnOptionalInt(int index) const;
  std::optional<std::string> columnOptionalText(int index) const;
  bool columnIsNull(int index) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status bindError_;
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
// IMMEDIATE takes the write lock up front, so a transaction never fails half-way with BUSY.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), open_(other.open_) { other.open_ = false; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database& db) : db_(&db), open_(true) {}
  Database* db_;
  bool open_;
};

}  // namespace floe::sqlite
