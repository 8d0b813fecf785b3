#include "console/console_accounts.h"

#include "console/password_hasher.h"
#include "state/event_log.h"

namespace floe::appliance::console {
namespace {

Result<std::optional<std::string>> readHash(Store& store, const std::string& name) {
  return store.read([&](sqlite::Database& db) -> Result<std::optional<std::string>> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT password_hash FROM console_users WHERE name = ?"));
    select.bind(1, std::string_view(name));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(select.columnText(0));
  });
}

// Burns the same time as a real check, so an unknown account answers as slowly as a
// known one with a wrong password.
void verifyAgainstDummyHash(std::string_view password) {
  static const std::string dummy = [] {
    auto hashed = hashPassword("floe-dummy-password");
    return hashed.isOk() ? *hashed : std::string();
  }();
  (void)verifyPassword(dummy, password);
}

}  // namespace

Result<std::optional<std::string>> ConsoleAccounts::createWithRandomPassword(const std::string& name) {
  FLOE_ASSIGN_OR_RETURN(auto existing, readHash(store_, name));
  if (existing) return std::optional<std::string>();
  FLOE_ASSIGN_OR_RETURN(std::string password, generatePassword());
  FLOE_ASSIGN_OR_RETURN(std::string hash, hashPassword(password));
  int64_t now = clock_.nowUnixMillis();
  Status created = store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO console_users (name, password_hash, created_at, "
                                                  "password_changed_at) VALUES (?, ?, ?, ?)"));
    FLOE_RETURN_IF_ERROR(
        insert.bind(1, std::string_view(name)).bind(2, std::string_view(hash)).bind(3, now).bind(4, now).run());
    return recordEvent(db, Event{0, now, "console.user_created", std::nullopt, std::nullopt, "system",
                                 "console account '" + name + "' created"});
  });
  if (!created.isOk()) return created.withContext("creating the console account '" + name + "'");
  return std::optional<std::string>(password);
}

Result<std::string> ConsoleAccounts::resetToRandomPassword(const std::string& name) {
  FLOE_ASSIGN_OR_RETURN(auto existing, readHash(store_, name));
  if (!existing) {
    FLOE_ASSIGN_OR_RETURN(auto created, createWithRandomPassword(name));
    if (created) return *created;
  }
  FLOE_ASSIGN_OR_RETURN(std::string password, generatePassword());
  FLOE_ASSIGN_OR_RETURN(std::string hash, hashPassword(password));
  FLOE_RETURN_IF_ERROR(storeHash(name, hash, "", "password of console account '" + name + "' reset"));
  return password;
}

Status ConsoleAccounts::verify(const std::string& name, std::string_view password) {
  FLOE_ASSIGN_OR_RETURN(auto hash, readHash(store_, name));
  if (!hash) {
    verifyAgainstDummyHash(password);
    return unauthenticated("wrong user name or password");
  }
  if (!verifyPassword(*hash, password)) return unauthenticated("wrong user name or password");
  return Status::ok();
}

Status ConsoleAccounts::changePassword(const std::string& name, std::string_view currentPassword,
                                       std::string_view newPassword, const std::string& keepSessionSha256) {
  FLOE_RETURN_IF_ERROR(checkNewPassword(newPassword));
  if (Status current = verify(name, currentPassword); !current.isOk()) {
    return permissionDenied("the current password is wrong");
  }
  FLOE_ASSIGN_OR_RETURN(std::string hash, hashPassword(newPassword));
  return storeHash(name, hash, keepSessionSha256, "password of console account '" + name + "' changed");
}

Status ConsoleAccounts::storeHash(const std::string& name, const std::string& hash,
                                  const std::string& keepSessionSha256, const std::string& eventMessage) {
  int64_t now = clock_.nowUnixMillis();
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto update, db.prepare("UPDATE console_users SET password_hash = ?, "
                                                  "password_changed_at = ? WHERE name = ?"));
    FLOE_RETURN_IF_ERROR(update.bind(1, std::string_view(hash)).bind(2, now).bind(3, std::string_view(name)).run());
    // Whoever knew the old password may hold a session: end every one but the caller's.
    FLOE_ASSIGN_OR_RETURN(auto revoke,
                          db.prepare("DELETE FROM console_sessions WHERE user_name = ? AND id_sha256 != ?"));
    FLOE_RETURN_IF_ERROR(revoke.bind(1, std::string_view(name)).bind(2, std::string_view(keepSessionSha256)).run());
    return recordEvent(db, Event{0, now, "console.password_changed", std::nullopt, std::nullopt, name, eventMessage});
  }).withContext("storing the new password of console account '" + name + "'");
}

}  // namespace floe::appliance::console
