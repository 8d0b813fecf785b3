// Check results for the head (JSON) and for people (text).
#include <algorithm>
#include <string>
#include <string_view>

#include "agent/preflight/preflight.h"

namespace floe::agent {

std::string_view severityName(Severity severity) {
  switch (severity) {
    case Severity::kFail:
      return "fail";
    case Severity::kWarn:
      return "warn";
  }
  return "fail";  // unreachable: the switch covers every enumerator
}

std::string_view checkOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPass:
      return "pass";
    case CheckOutcome::kWarn:
      return "warn";
    case CheckOutcome::kFail:
      return "fail";
  }
  return "fail";  // unreachable: the switch covers every enumerator
}

nlohmann::json checkResultsToJson(const std::vector<CheckResult>& results) {
  nlohmann::json array = nlohmann::json::array();
  for (const CheckResult& result : results) {
    array.push_back({{"id", result.id},
                     {"severity", severityName(result.severity)},
                     {"result", checkOutcomeName(result.result)},
                     {"observed", result.observed},
                     {"hint", result.hint}});
  }
  return array;
}

std::string renderCheckResults(const std::vector<CheckResult>& results) {
  size_t idWidth = 0;
  for (const CheckResult& result : results) idWidth = std::max(idWidth, result.id.size());
  // "PASS  " then the id padded, then the observation; hints line up under it.
  const std::string hintIndent(6 + idWidth + 2, ' ');

  std::string text;
  int passed = 0, warnings = 0, failures = 0;
  for (const CheckResult& result : results) {
    std::string label;
    switch (result.result) {
      case CheckOutcome::kPass:
        label = "PASS";
        ++passed;
        break;
      case CheckOutcome::kWarn:
        label = "WARN";
        ++warnings;
        break;
      case CheckOutcome::kFail:
        label = "FAIL";
        ++failures;
        break;
    }
    text += label + "  " + result.id + std::string(idWidth - result.id.size() + 2, ' ') + result.observed + "\n";
    if (result.result != CheckOutcome::kPass && !result.hint.empty()) {
      text += hintIndent + "hint: " + result.hint + "\n";
    }
  }
  text += "\n" + std::to_string(results.size()) + " checks: " + std::to_string(passed) + " passed, " +
          std::to_string(warnings) + (warnings == 1 ? " warning, " : " warnings, ") + std::to_string(failures) +
          " failed\n";
  if (failures > 0) {
    text += "A failed check blocks `floe-agent join` unless it is skipped with --ignore-check ID.\n";
  }
  return text;
}

}  // namespace floe::agent
