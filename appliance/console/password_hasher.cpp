#include "console/password_hasher.h"

#include <argon2.h>

#include <vector>

#include "floe/common/crypto.h"

namespace floe::appliance::console {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kMinPasswordLength = 10;
// Bounded so a huge body cannot make one login hash megabytes.
constexpr size_t kMaxPasswordLength = 1024;
constexpr std::string_view kPasswordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";

}  // namespace

Result<std::string> hashPassword(std::string_view password, const Argon2Parameters& parameters) {
  if (password.size() > kMaxPasswordLength) return invalidArgument("the password is too long");
  FLOE_ASSIGN_OR_RETURN(std::string salt, secureRandomBytes(kSaltBytes));
  size_t encodedLength = argon2_encodedlen(parameters.passes, parameters.memoryKiB, parameters.lanes,
                                           kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(encodedLength);
  int rc = argon2id_hash_encoded(parameters.passes, parameters.memoryKiB, parameters.lanes, password.data(),
                                 password.size(), salt.data(), salt.size(), kHashBytes, encoded.data(),
                                 encoded.size());
  if (rc != ARGON2_OK) {
    return internalError(std::string("hashing the password with Argon2id: ") + argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool verifyPassword(std::string_view encodedHash, std::string_view password) {
  if (password.size() > kMaxPasswordLength || encodedHash.rfind("$argon2id$", 0) != 0) return false;
  std::string encoded(encodedHash);  // argon2 wants a NUL-terminated string
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status checkNewPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return invalidArgument("the new password must have at least " + std::to_string(kMinPasswordLength) +
                           " characters");
  }
  if (password.size() > kMaxPasswordLength) {
    return invalidArgument("the new password must have at most " + std::to_string(kMaxPasswordLength) +
                           " characters");
  }
  return Status::ok();
}

Result<std::string> generatePassword() {
  constexpr size_t kLength = 20;
  std::string password;
  while (password.size() < kLength) {
    FLOE_ASSIGN_OR_RETURN(std::string bytes, secureRandomBytes(32));
    for (unsigned char byte : bytes) {
      // Rejection sampling keeps every character equally likely.
      if (byte >= 256 - 256 % kPasswordAlphabet.size()) continue;
      password.push_back(kPasswordAlphabet[byte % kPasswordAlphabet.size()]);
      if (password.size() == kLength) break;
    }
  }
  return password;
}

}  // namespace floe::appliance::console
