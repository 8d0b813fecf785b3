#include "floe/common/time_format.h"

#include <cctype>
#include <ctime>

namespace floe {

std::string formatRfc3339(int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalidArgument("invalid duration '" + std::string(text) + "': " + std::string(why) +
                           " (examples: 90s, 15m, 1h30m, 7d)");
  };
  if (text.empty()) return bad("empty");
  int64_t totalMillis = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > 1'000'000'000) return bad("number too large");
      ++i;
    }
    size_t unitStart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    int64_t millisPerUnit = 0;
    if (unit == "ms") millisPerUnit = 1;
    else if (unit == "s") millisPerUnit = 1000;
    else if (unit == "m") millisPerUnit = 60'000;
    else if (unit == "h") millisPerUnit = 3'600'000;
    else if (unit == "d") millisPerUnit = 86'400'000;
    else if (unit.empty()) return bad("missing unit (ms, s, m, h or d)");
    else return bad("unknown unit '" + std::string(unit) + "'");
    totalMillis += number * millisPerUnit;
    constexpr int64_t kMaxMillis = 100LL * 365 * 86'400'000;  // far beyond any sane setting
    if (totalMillis > kMaxMillis) return bad("longer than 100 years");
  }
  return std::chrono::milliseconds(totalMillis);
}

}  // namespace floe
