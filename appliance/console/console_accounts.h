// The console's accounts: a name and an Argon2id password hash. `floe init` creates
// `admin`; `floe admin reset-password` replaces a lost password.
#pragma once

#include <string>

#include "floe/common/clock.h"
#include "floe/common/status.h"
#include "state/store.h"

namespace floe::appliance::console {

inline constexpr const char* kAdminUser = "admin";

class ConsoleAccounts {
 public:
  ConsoleAccounts(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Creates the account with a random password and returns it (to be shown once);
  // nullopt when the account already exists (its password is left alone).
  Result<std::optional<std::string>> createWithRandomPassword(const std::string& name);
  // Sets a new random password, ends the account's sessions, and returns the password.
  Result<std::string> resetToRandomPassword(const std::string& name);
  // unauthenticated for an unknown account or a wrong password (the same message, so
  // a caller cannot probe for account names).
  Status verify(const std::string& name, std::string_view password);
  // Checks the current password, sets the new one and ends the account's other sessions.
  Status changePassword(const std::string& name, std::string_view currentPassword, std::string_view newPassword,
                        const std::string& keepSessionSha256);

 private:
  Status storeHash(const std::string& name, const std::string& hash, const std::string& keepSessionSha256,
                   const std::string& eventMessage);

  Store& store_;
  const Clock& clock_;
};

}  // namespace floe::appliance::console
