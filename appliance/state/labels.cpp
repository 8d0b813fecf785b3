#include "state/labels.h"

#include <cctype>

namespace floe::appliance {
namespace {

constexpr size_t kMaxNameLength = 63;
constexpr size_t kMaxPrefixLength = 253;

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A label name or value: ≤ 63 chars, alphanumerics with '-', '_', '.' inside.
bool isValidSegment(std::string_view s, bool allowEmpty) {
  if (s.empty()) return allowEmpty;
  if (s.size() > kMaxNameLength) return false;
  if (!isAlnum(s.front()) || !isAlnum(s.back())) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS subdomain prefix such as floe.io: lowercase alphanumerics, '-' and '.'.
bool isValidPrefix(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.')) {
      return false;
    }
  }
  // Each dot-separated part is a DNS label: non-empty, starting and ending alphanumeric.
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    if (part.empty() || part.size() > kMaxNameLength || !isAlnum(part.front()) || !isAlnum(part.back())) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

Status validateLabel(std::string_view key, std::string_view value) {
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (!isValidPrefix(key.substr(0, slash))) {
      return invalidArgument("label key '" + std::string(key) +
                             "': the prefix must be a DNS subdomain such as example.com");
    }
    name = key.substr(slash + 1);
  }
  if (!isValidSegment(name, false)) {
    return invalidArgument("label key '" + std::string(key) +
                           "': the name must be 1-63 characters of a-z, A-Z, 0-9, '-', '_', '.', "
                           "starting and ending with a letter or digit");
  }
  if (!isValidSegment(value, true)) {
    return invalidArgument("label value '" + std::string(value) + "' for key '" + std::string(key) +
                           "': must be at most 63 characters of a-z, A-Z, 0-9, '-', '_', '.', "
                           "starting and ending with a letter or digit");
  }
  return Status::ok();
}

Status validateLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) FLOE_RETURN_IF_ERROR(validateLabel(key, value));
  return Status::ok();
}

nlohmann::json labelsToJson(const std::map<std::string, std::string>& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : labels) out[key] = value;
  return out;
}

Result<std::map<std::string, std::string>> labelsFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return invalidArgument("labels must be an object of strings");
  std::map<std::string, std::string> labels;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) return invalidArgument("label '" + key + "' must be a string");
    labels[key] = value.get<std::string>();
  }
  return labels;
}

Result<std::map<std::string, std::string>> labelsFromText(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return internalError("stored labels are not valid JSON");
  return labelsFromJson(parsed);
}

}  // namespace floe::appliance
