#include "floe/sqlite/database.h"

#include <spdlog/spdlog.h>

namespace floe::sqlite {
namespace {

constexpr int kBusyTimeoutMillis = 5000;

Status sqliteError(std::string message, int rc) {
  int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return alreadyExists(message);
  }
  if (primary == SQLITE_CONSTRAINT) return failedPrecondition(message);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return unavailable(message);
  return ioError(message);
}

Status sqliteError(sqlite3* db, int rc, std::string_view what) {
  return sqliteError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)), rc);
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) return sqliteError(raw, rc, "opening database " + path.string());
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMillis);
  FLOE_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL").withContext("opening " + path.string()));
  FLOE_RETURN_IF_ERROR(db.execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Status Database::execute(std::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return sqliteError("executing SQL: " + message, rc);
  }
  return Status::ok();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqliteError(db_.get(), rc, "preparing SQL");
  }
  return Statement(db_.get(), stmt);
}

int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::changes() const { return sqlite3_changes(db_.get()); }

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bindError_.isOk()) bindError_ = sqliteError(db_, rc, "binding parameter");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // A default-constructed view has a null data pointer, which SQLite would store as NULL.
  const char* data = text.data() ? text.data() : "";
  int rc = sqlite3_bind_text(stmt_.get(), index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bindError_.isOk()) bindError_ = sqliteError(db_, rc, "binding parameter");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

Statement& Statement::bindNull(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bindError_.isOk()) bindError_ = sqliteError(db_, rc, "binding parameter");
  return *this;
}

Result<bool> Statement::step() {
  if (!bindError_.isOk()) return bindError_;
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqliteError(db_, rc, "executing statement");
}

Status Statement::run() {
  while (true) {
    FLOE_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return Status::ok();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bindError_ = Status::ok();
}

int64_t Statement::columnInt(int index) const { return sqlite3_column_int64(stmt_.get(), index); }

std::string Statement::columnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), index);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), index)));
}

bool Statement::columnIsNull(int index) const {
  return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL;
}

std::optional<int64_t> Statement::columnOptionalInt(int index) const {
  if (columnIsNull(index)) return std::nullopt;
  return columnInt(index);
}

std::optional<std::string> Statement::columnOptionalText(int index) const {
  if (columnIsNull(index)) return std::nullopt;
  return columnText(index);
}

Result<Transaction> Transaction::begin(Database& db) {
  FLOE_RETURN_IF_ERROR(db.execute("BEGIN IMMEDIATE").withContext("starting transaction"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (open_) {
    Status status = db_->execute("ROLLBACK");
    if (!status.isOk()) spdlog::warn("rollback failed error=\"{}\"", status.message());
  }
}

Status Transaction::commit() {
  Status status = db_->execute("COMMIT").withContext("committing transaction");
  if (status.isOk()) open_ = false;
  return status;
}

}  // namespace floe::sqlite
