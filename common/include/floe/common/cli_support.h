// What the floe and floe-agent command lines share: exit codes and env defaults.
#pragma once

#include <cstdlib>
#include <string>

namespace floe {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the operation failed; stderr says what and why
inline constexpr int kExitUsage = 2;   // the command line was wrong

// $name when set and non-empty, else `fallback`.
inline std::string environmentOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace floe
