// Console passwords: Argon2id (Debian's libargon2) in the PHC string format, so the
// parameters travel with each hash and can be raised later without breaking old ones.
#pragma once

#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::appliance::console {

// OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane. About 30 ms on one core here,
// which keeps a burst of logins from starving the head on a small machine.
struct Argon2Parameters {
  uint32_t memoryKiB = 19 * 1024;
  uint32_t passes = 2;
  uint32_t lanes = 1;
};

// A fresh random salt per call; returns "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
Result<std::string> hashPassword(std::string_view password, const Argon2Parameters& parameters = {});
// False for a wrong password and for a malformed hash (never throws or aborts).
bool verifyPassword(std::string_view encodedHash, std::string_view password);

// Rules for a new password; invalidArgument says what is wrong.
Status checkNewPassword(std::string_view password);
// A random password for `floe init` / `floe admin reset-password`: 20 characters from
// an alphabet without look-alikes (about 115 bits).
Result<std::string> generatePassword();

}  // namespace floe::appliance::console
