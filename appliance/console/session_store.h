// Console sessions, kept in the head's database so they survive a restart. The cookie
// carries a random 256-bit id; the database keeps only its SHA-256. Each session has a
// CSRF token the console sends back in a header on every state-changing call.
//
// A session ends after `idleTimeout` without a request (default 30 minutes) or
// `maxLifetime` after login (default 12 hours), whichever comes first.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "state/store.h"

namespace floe::appliance::console {

struct SessionPolicy {
  std::chrono::seconds idleTimeout{30 * 60};
  std::chrono::seconds maxLifetime{12 * 3600};
};

struct NewSession {
  std::string id;  // secret: goes into the cookie only
  std::string csrfToken;
};

struct Session {
  std::string idSha256;
  std::string user;
  std::string csrfToken;
};

class SessionStore {
 public:
  SessionStore(Store& store, const Clock& clock, SessionPolicy policy = {})
      : store_(store), clock_(clock), policy_(policy) {}

  Result<NewSession> create(const std::string& user);
  // The live session for a cookie's id, or nullopt when unknown or expired (an expired
  // one is deleted). Refreshes its last use, at most every kTouchInterval to spare writes.
  Result<std::optional<Session>> find(std::string_view id);
  Status remove(std::string_view id);
  const SessionPolicy& policy() const { return policy_; }

 private:
  Store& store_;
  const Clock& clock_;
  SessionPolicy policy_;
};

// True when `presented` (the X-CSRF-Token header) equals the session's token.
bool csrfTokenMatches(const Session& session, std::string_view presented);

}  // namespace floe::appliance::console
