// What every check shares: its result builders and the small parsers they use.
#include "agent/preflight/checks.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::agent {

CheckResult CheckSpec::pass(std::string observed) const {
  return CheckResult{std::string(id), severity, CheckOutcome::kPass, std::move(observed), ""};
}

CheckResult CheckSpec::failed(std::string observed, std::string hint) const {
  const CheckOutcome outcome = severity == Severity::kFail ? CheckOutcome::kFail : CheckOutcome::kWarn;
  return CheckResult{std::string(id), severity, outcome, std::move(observed), std::move(hint)};
}

CheckResult CheckSpec::warn(std::string observed, std::string hint) const {
  return CheckResult{std::string(id), severity, CheckOutcome::kWarn, std::move(observed), std::move(hint)};
}

std::string formatBytesFloor(uint64_t bytes) {
  struct Unit {
    uint64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{uint64_t{1} << 40, "TiB"}, {uint64_t{1} << 30, "GiB"},
                                    {uint64_t{1} << 20, "MiB"}, {uint64_t{1} << 10, "KiB"}};
  for (const Unit& unit : kUnits) {
    if (bytes < unit.size) continue;
    // Rounded down, so 19.99 GiB never reads as "20.0 GiB" next to "20 GiB needed".
    const uint64_t whole = bytes / unit.size;
    const uint64_t tenths = (bytes % unit.size) * 10 / unit.size;
    return std::to_string(whole) + "." + std::to_string(tenths) + " " + unit.name;
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::vector<int> parseVersionNumbers(std::string_view text) {
  std::vector<int> numbers;
  const char* cursor = text.data();
  const char* const end = text.data() + text.size();
  while (cursor != end) {
    int value = 0;
    auto [next, ec] = std::from_chars(cursor, end, value);
    if (ec != std::errc()) break;
    numbers.push_back(value);
    cursor = next;
    // Only a dot followed by another number continues the version: "6.1.0-18" stops at '-'.
    if (cursor == end || *cursor != '.') break;
    ++cursor;
  }
  return numbers;
}

bool versionAtLeast(const std::vector<int>& version, const std::vector<int>& minimum) {
  const size_t length = std::max(version.size(), minimum.size());
  for (size_t i = 0; i < length; ++i) {
    const int have = i < version.size() ? version[i] : 0;
    const int want = i < minimum.size() ? minimum[i] : 0;
    if (have != want) return have > want;
  }
  return true;
}

bool isValidDnsName(std::string_view name) {
  constexpr size_t kMaxNameLength = 253;
  constexpr size_t kMaxLabelLength = 63;
  if (name.empty() || name.size() > kMaxNameLength) return false;
  while (true) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alphanumeric && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

}  // namespace floe::agent
