// Small cryptographic helpers on top of OpenSSL: randomness, digests, encodings.
#pragma once

#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe {

// `count` bytes from the OS CSPRNG (via OpenSSL RAND_bytes).
Result<std::string> secureRandomBytes(size_t count);
// Lowercase hex of `count` random bytes (2*count characters).
Result<std::string> secureRandomHex(size_t count);

std::string toHex(std::string_view bytes);
std::string sha256Hex(std::string_view data);

// Compares without an early exit, so timing does not reveal the common prefix.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace floe
