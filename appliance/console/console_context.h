// What the console's login, session and asset handling needs, wired by `floe serve`.
#pragma once

#include "api/join_rate_limiter.h"
#include "console/console_accounts.h"
#include "console/console_assets.h"
#include "console/session_store.h"

namespace floe::appliance::console {

// Failed logins allowed per account within kLoginFailureWindow; the next attempt gets
// 429 with Retry-After, even with the right password.
inline constexpr int kMaxLoginFailures = 10;
inline constexpr std::chrono::seconds kLoginFailureWindow{15 * 60};
// Failed logins allowed per source address within the same window, whatever the account:
// each attempt costs an Argon2id hash (19 MiB, ~30 ms), so guessing across many account
// names must not be free either.
inline constexpr int kMaxLoginFailuresPerAddress = 50;

struct ConsoleContext {
  ConsoleAccounts& accounts;
  SessionStore& sessions;
  JoinRateLimiter& loginLimiter;    // keyed by account name (the limiter is not join-specific)
  JoinRateLimiter& addressLimiter;  // failed logins keyed by source address
  ConsoleAssets assets;
};

}  // namespace floe::appliance::console
