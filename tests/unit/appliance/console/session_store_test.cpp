// Console sessions over a real SQLite store, driven by a FakeClock.
#include "console/session_store.h"

#include <catch2/catch.hpp>

#include "../../support/head_state_fixture.h"
#include "console/console_accounts.h"

namespace floe::appliance::console {
namespace {

using namespace std::chrono_literals;

struct SessionFixture : testing::HeadStateFixture {
  ConsoleAccounts accounts{*store, clock};
  SessionStore sessions{*store, clock, SessionPolicy{30min, 12h}};
  std::string password;

  SessionFixture() {
    auto created = accounts.createWithRandomPassword(kAdminUser);
    REQUIRE(created.isOk());
    REQUIRE(created->has_value());
    password = **created;
  }

  NewSession login() {
    auto session = sessions.create(kAdminUser);
    REQUIRE(session.isOk());
    return *session;
  }

  bool alive(const std::string& id) {
    auto found = sessions.find(id);
    REQUIRE(found.isOk());
    return found->has_value();
  }

  int64_t storedSessions() {
    return store
        ->read([](sqlite::Database& db) -> Result<int64_t> {
          FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT COUNT(*) FROM console_sessions"));
          FLOE_ASSIGN_OR_RETURN(bool row, select.step());
          return row ? select.columnInt(0) : 0;
        })
        .value();
  }
};

TEST_CASE_METHOD(SessionFixture, "a new session is found by its id with its user and CSRF token",
                 "[console][session]") {
  NewSession session = login();
  CHECK(session.id.size() == 64);
  CHECK(session.csrfToken.size() == 64);
  auto found = sessions.find(session.id);
  REQUIRE(found.isOk());
  REQUIRE(found->has_value());
  CHECK((*found)->user == "admin");
  CHECK((*found)->csrfToken == session.csrfToken);
  CHECK(csrfTokenMatches(**found, session.csrfToken));
  CHECK_FALSE(csrfTokenMatches(**found, ""));
  CHECK_FALSE(csrfTokenMatches(**found, std::string(64, '0')));
}

TEST_CASE_METHOD(SessionFixture, "the database keeps only the SHA-256 of a session id", "[console][session]") {
  NewSession session = login();
  auto rawIdStored = store->read([&](sqlite::Database& db) -> Result<bool> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT COUNT(*) FROM console_sessions WHERE id_sha256 = ?"));
    select.bind(1, std::string_view(session.id));
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    return row && select.columnInt(0) > 0;
  });
  REQUIRE(rawIdStored.isOk());
  CHECK_FALSE(*rawIdStored);
  CHECK(storedSessions() == 1);
}

TEST_CASE_METHOD(SessionFixture, "a session ends after the idle timeout and a request resets it",
                 "[console][session]") {
  NewSession session = login();
  clock.advance(29min);
  CHECK(alive(session.id));  // refreshes last use
  clock.advance(29min);
  CHECK(alive(session.id));
  clock.advance(30min);
  CHECK_FALSE(alive(session.id));
  CHECK(storedSessions() == 0);  // an expired session is deleted, not just ignored
}

TEST_CASE_METHOD(SessionFixture, "a session ends at its maximum lifetime even when in use", "[console][session]") {
  NewSession session = login();
  for (int i = 0; i < 24; ++i) {  // 11 h 59 min 36 s, never idle for long
    clock.advance(30min - 1s);
    CHECK(alive(session.id));
  }
  clock.advance(1min);
  CHECK_FALSE(alive(session.id));
}

TEST_CASE_METHOD(SessionFixture, "unknown, malformed and removed ids find nothing", "[console][session]") {
  NewSession session = login();
  CHECK_FALSE(alive(""));
  CHECK_FALSE(alive("not-a-session"));
  CHECK_FALSE(alive(std::string(64, 'a')));
  REQUIRE(sessions.remove(session.id).isOk());
  CHECK_FALSE(alive(session.id));
}

TEST_CASE_METHOD(SessionFixture, "changing the password ends every other session of the account",
                 "[console][session]") {
  NewSession mine = login();
  NewSession other = login();
  auto mySession = sessions.find(mine.id);
  REQUIRE(mySession.isOk());
  REQUIRE(mySession->has_value());
  CHECK(accounts.changePassword(kAdminUser, "wrong", "a new password", (*mySession)->idSha256).code() ==
        ErrorCode::kPermissionDenied);
  CHECK(alive(other.id));
  REQUIRE(accounts.changePassword(kAdminUser, password, "a new password", (*mySession)->idSha256).isOk());
  CHECK(alive(mine.id));
  CHECK_FALSE(alive(other.id));
  CHECK(accounts.verify(kAdminUser, "a new password").isOk());
  CHECK(accounts.verify(kAdminUser, password).code() == ErrorCode::kUnauthenticated);
}

TEST_CASE_METHOD(SessionFixture, "accounts are created once; a reset replaces the password and ends sessions",
                 "[console][accounts]") {
  auto again = accounts.createWithRandomPassword(kAdminUser);
  REQUIRE(again.isOk());
  CHECK_FALSE(again->has_value());
  CHECK(accounts.verify(kAdminUser, password).isOk());
  NewSession session = login();
  auto reset = accounts.resetToRandomPassword(kAdminUser);
  REQUIRE(reset.isOk());
  CHECK(*reset != password);
  CHECK(accounts.verify(kAdminUser, *reset).isOk());
  CHECK_FALSE(alive(session.id));
  CHECK(accounts.verify("nobody", "whatever").code() == ErrorCode::kUnauthenticated);
  // Audit: created and reset are recorded, never with the password.
  for (const auto& event : events()) CHECK(event.message.find(password) == std::string::npos);
  CHECK(events("console.user_created").size() == 1);
  CHECK(events("console.password_changed").size() == 1);
}

}  // namespace
}  // namespace floe::appliance::console
