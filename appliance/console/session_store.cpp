#include "console/session_store.h"

#include "floe/common/crypto.h"

namespace floe::appliance::console {
namespace {

constexpr size_t kSessionIdBytes = 32;
constexpr size_t kCsrfTokenBytes = 32;
// Last use is written at most this often: the console polls every 2 s, and a write per
// poll would be wasted work for a timeout measured in minutes.
constexpr int64_t kTouchIntervalMillis = 15'000;

}  // namespace

Result<NewSession> SessionStore::create(const std::string& user) {
  FLOE_ASSIGN_OR_RETURN(std::string id, secureRandomHex(kSessionIdBytes));
  FLOE_ASSIGN_OR_RETURN(std::string csrf, secureRandomHex(kCsrfTokenBytes));
  int64_t now = clock_.nowUnixMillis();
  int64_t oldestAllowed = now - std::chrono::duration_cast<std::chrono::milliseconds>(policy_.maxLifetime).count();
  Status stored = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    // Logins are rare, so they also sweep sessions nobody came back for.
    FLOE_ASSIGN_OR_RETURN(auto sweep, db.prepare("DELETE FROM console_sessions WHERE created_at < ? OR "
                                                 "last_used_at < ?"));
    int64_t idleCutoff = now - std::chrono::duration_cast<std::chrono::milliseconds>(policy_.idleTimeout).count();
    FLOE_RETURN_IF_ERROR(sweep.bind(1, oldestAllowed).bind(2, idleCutoff).run());
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO console_sessions (id_sha256, user_name, csrf_token, "
                                                  "created_at, last_used_at) VALUES (?, ?, ?, ?, ?)"));
    return insert.bind(1, std::string_view(sha256Hex(id)))
        .bind(2, std::string_view(user))
        .bind(3, std::string_view(csrf))
        .bind(4, now)
        .bind(5, now)
        .run();
  });
  if (!stored.isOk()) return stored.withContext("creating a console session");
  return NewSession{id, csrf};
}

Result<std::optional<Session>> SessionStore::find(std::string_view id) {
  if (id.empty() || id.size() != kSessionIdBytes * 2) return std::optional<Session>();
  std::string idSha256 = sha256Hex(id);
  struct Row {
    Session session;
    int64_t createdAt;
    int64_t lastUsedAt;
  };
  FLOE_ASSIGN_OR_RETURN(auto row, store_.read([&](sqlite::Database& db) -> Result<std::optional<Row>> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT user_name, csrf_token, created_at, last_used_at FROM "
                                                  "console_sessions WHERE id_sha256 = ?"));
    select.bind(1, std::string_view(idSha256));
    FLOE_ASSIGN_OR_RETURN(bool found, select.step());
    if (!found) return std::optional<Row>();
    return std::optional<Row>(
        Row{Session{idSha256, select.columnText(0), select.columnText(1)}, select.columnInt(2), select.columnInt(3)});
  }));
  if (!row) return std::optional<Session>();
  int64_t now = clock_.nowUnixMillis();
  bool idle = now - row->lastUsedAt >= std::chrono::duration_cast<std::chrono::milliseconds>(policy_.idleTimeout).count();
  bool tooOld =
      now - row->createdAt >= std::chrono::duration_cast<std::chrono::milliseconds>(policy_.maxLifetime).count();
  if (idle || tooOld) {
    FLOE_RETURN_IF_ERROR(remove(id));
    return std::optional<Session>();
  }
  if (now - row->lastUsedAt >= kTouchIntervalMillis) {
    Status touched = store_.write(Durability::kRelaxed, [&](sqlite::Database& db) -> Status {
      FLOE_ASSIGN_OR_RETURN(auto touch, db.prepare("UPDATE console_sessions SET last_used_at = ? WHERE id_sha256 = ?"));
      return touch.bind(1, now).bind(2, std::string_view(idSha256)).run();
    });
    if (!touched.isOk()) return touched.withContext("refreshing a console session");
  }
  return std::optional<Session>(row->session);
}

Status SessionStore::remove(std::string_view id) {
  std::string idSha256 = sha256Hex(id);
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto remove, db.prepare("DELETE FROM console_sessions WHERE id_sha256 = ?"));
    return remove.bind(1, std::string_view(idSha256)).run();
  }).withContext("ending a console session");
}

bool csrfTokenMatches(const Session& session, std::string_view presented) {
  return !presented.empty() && constantTimeEquals(session.csrfToken, presented);
}

}  // namespace floe::appliance::console
