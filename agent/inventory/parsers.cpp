#include "agent/inventory/parsers.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string.h>  // memmem (GNU)

namespace floe::agent::parsers {
namespace {

// A cpulist naming more CPUs than this is garbage, not a machine (the kernel's
// NR_CPUS tops out at 8192 on the largest distro configs).
constexpr int kMaxCpuId = 65535;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool isHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

template <typename T>
std::optional<T> parseWhole(std::string_view text, int base) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Splits on the first ':' and trims both halves; nullopt when there is no ':'.
std::optional<std::pair<std::string_view, std::string_view>> splitKeyValue(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{trim(line.substr(0, colon)), trim(line.substr(colon + 1))};
}

// Reads one os-release value, undoing the shell quoting the format allows.
std::string unquoteOsReleaseValue(std::string_view raw) {
  raw = trim(raw);
  std::string out;
  if (raw.empty()) return out;
  const char quote = raw.front();
  if (quote == '\'') {
    auto end = raw.find('\'', 1);
    return std::string(raw.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
  }
  const bool doubleQuoted = quote == '"';
  for (size_t i = doubleQuoted ? 1 : 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (doubleQuoted && c == '"') break;
    if (c == '\\' && i + 1 < raw.size()) {
      out.push_back(raw[++i]);
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> splitWhitespace(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !isSpace(text[i])) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::optional<int64_t> parseInt(std::string_view text) { return parseWhole<int64_t>(text, 10); }

std::optional<uint64_t> parseUnsigned(std::string_view text, int base) {
  return parseWhole<uint64_t>(text, base);
}

std::optional<uint64_t> parseHex(std::string_view text) {
  text = trim(text);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return parseWhole<uint64_t>(text, 16);
}

std::optional<double> parseDouble(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

KeyValues parseColonSeparated(std::string_view text) {
  KeyValues values;
  forEachLine(text, [&](std::string_view line) {
    if (auto kv = splitKeyValue(line); kv && !kv->first.empty()) values.push_back(*kv);
  });
  return values;
}

std::optional<std::string_view> findValue(const KeyValues& values, std::string_view key) {
  for (const auto& [k, v] : values) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<KeyValues> parseCpuinfoBlocks(std::string_view text) {
  std::vector<KeyValues> blocks;
  KeyValues current;
  forEachLine(text, [&](std::string_view line) {
    if (trim(line).empty()) {
      if (!current.empty()) blocks.push_back(std::move(current));
      current.clear();
      return;
    }
    if (auto kv = splitKeyValue(line); kv && !kv->first.empty()) current.push_back(*kv);
  });
  if (!current.empty()) blocks.push_back(std::move(current));
  return blocks;
}

KeyValues parseMeminfo(std::string_view text) {
  KeyValues values;
  forEachLine(text, [&](std::string_view line) {
    line = trim(line);
    // Per-node files prefix every line with "Node <n> ".
    if (line.substr(0, 5) == "Node ") {
      auto afterId = line.find(' ', 5);
      if (afterId == std::string_view::npos) return;
      line.remove_prefix(afterId + 1);
    }
    if (auto kv = splitKeyValue(line); kv && !kv->first.empty()) values.push_back(*kv);
  });
  return values;
}

std::optional<uint64_t> meminfoBytes(const KeyValues& meminfo, std::string_view key) {
  auto value = findValue(meminfo, key);
  if (!value) return std::nullopt;
  std::string_view text = *value;
  uint64_t multiplier = 1;
  if (text.size() >= 2 && text.substr(text.size() - 2) == "kB") {
    multiplier = 1024;
    text.remove_suffix(2);
  }
  auto number = parseUnsigned(text);
  if (!number) return std::nullopt;
  return *number * multiplier;
}

std::map<std::string, std::string, std::less<>> parseOsRelease(std::string_view text) {
  std::map<std::string, std::string, std::less<>> values;
  forEachLine(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    values.insert_or_assign(std::string(trim(line.substr(0, eq))), unquoteOsReleaseValue(line.substr(eq + 1)));
  });
  return values;
}

std::string unescapeMountField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '3' &&
        field[i + 2] >= '0' && field[i + 2] <= '7' && field[i + 3] >= '0' && field[i + 3] <= '7') {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(field[i]);
  }
  return out;
}

std::vector<MountEntry> parseProcMounts(std::string_view text) {
  std::vector<MountEntry> mounts;
  forEachLine(text, [&](std::string_view line) {
    auto fields = splitWhitespace(line);
    if (fields.size() < 3) return;
    MountEntry entry;
    entry.device = unescapeMountField(fields[0]);
    entry.mountPoint = unescapeMountField(fields[1]);
    entry.filesystem = std::string(fields[2]);
    mounts.push_back(std::move(entry));
  });
  return mounts;
}

std::vector<MountEntry> parseMountinfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  forEachLine(text, [&](std::string_view line) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    auto fields = splitWhitespace(line);
    if (fields.size() < 7) return;
    auto separator = std::find(fields.begin() + 6, fields.end(), std::string_view("-"));
    if (separator == fields.end() || fields.end() - separator < 3) return;
    MountEntry entry;
    entry.majorMinor = std::string(fields[2]);
    entry.root = unescapeMountField(fields[3]);
    entry.mountPoint = unescapeMountField(fields[4]);
    entry.filesystem = std::string(separator[1]);
    entry.device = unescapeMountField(separator[2]);
    mounts.push_back(std::move(entry));
  });
  return mounts;
}

std::vector<std::string> parseSwaps(std::string_view text) {
  std::vector<std::string> swaps;
  bool header = true;
  forEachLine(text, [&](std::string_view line) {
    if (header) {  // "Filename Type Size Used Priority"
      header = false;
      return;
    }
    auto fields = splitWhitespace(line);
    if (!fields.empty()) swaps.push_back(unescapeMountField(fields[0]));
  });
  return swaps;
}

std::vector<Ipv4Route> parseIpv4Routes(std::string_view text) {
  std::vector<Ipv4Route> routes;
  bool header = true;
  forEachLine(text, [&](std::string_view line) {
    if (header) {  // "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT"
      header = false;
      return;
    }
    auto fields = splitWhitespace(line);
    if (fields.size() < 8) return;
    auto destination = parseUnsigned(fields[1], 16);
    auto gateway = parseUnsigned(fields[2], 16);
    auto flags = parseUnsigned(fields[3], 16);
    auto metric = parseInt(fields[6]);
    auto mask = parseUnsigned(fields[7], 16);
    if (!destination || !gateway || !flags || !metric || !mask) return;
    Ipv4Route route;
    route.interface = std::string(fields[0]);
    route.destination = static_cast<uint32_t>(*destination);
    route.gateway = static_cast<uint32_t>(*gateway);
    route.flags = static_cast<unsigned>(*flags);
    route.metric = *metric;
    route.mask = static_cast<uint32_t>(*mask);
    routes.push_back(std::move(route));
  });
  return routes;
}

std::string ipv4RouteAddressToString(uint32_t address) {
  // The kernel prints the in-memory value of a network-order address as one integer;
  // copying that integer back into memory restores network order on any endianness.
  in_addr addr{};
  std::memcpy(&addr, &address, sizeof(address));
  char text[INET_ADDRSTRLEN] = {};
  if (!::inet_ntop(AF_INET, &addr, text, sizeof(text))) return {};
  return text;
}

std::vector<Ipv6Address> parseIfInet6(std::string_view text) {
  std::vector<Ipv6Address> addresses;
  forEachLine(text, [&](std::string_view line) {
    // address ifindex prefix-length scope flags name, all hex but the name
    auto fields = splitWhitespace(line);
    if (fields.size() < 6 || fields[0].size() != 32) return;
    std::array<unsigned char, 16> bytes{};
    for (size_t i = 0; i < bytes.size(); ++i) {
      auto byte = parseUnsigned(fields[0].substr(i * 2, 2), 16);
      if (!byte || !isHexDigit(fields[0][i * 2])) return;
      bytes[i] = static_cast<unsigned char>(*byte);
    }
    auto prefix = parseUnsigned(fields[2], 16);
    if (!prefix || *prefix > 128) return;
    char textAddress[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(AF_INET6, bytes.data(), textAddress, sizeof(textAddress))) return;
    addresses.push_back({std::string(fields[5]), textAddress, static_cast<int>(*prefix)});
  });
  return addresses;
}

std::optional<std::vector<int>> parseCpuList(std::string_view text) {
  std::vector<int> cpus;
  text = trim(text);
  if (text.empty()) return cpus;
  while (true) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    auto dash = item.find('-');
    auto first = parseUnsigned(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parseUnsigned(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last > static_cast<uint64_t>(kMaxCpuId)) return std::nullopt;
    for (auto cpu = *first; cpu <= *last; ++cpu) cpus.push_back(static_cast<int>(cpu));
    if (cpus.size() > static_cast<size_t>(kMaxCpuId) + 1) return std::nullopt;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string formatCpuList(const std::vector<int>& input) {
  std::vector<int> cpus = input;
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += std::to_string(cpus[i]);
    if (j > i) out += "-" + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::vector<std::string> parseProcCgroups(std::string_view text) {
  std::vector<std::string> controllers;
  forEachLine(text, [&](std::string_view line) {
    if (line.empty() || line.front() == '#') return;
    auto fields = splitWhitespace(line);  // subsys_name hierarchy num_cgroups enabled
    if (fields.size() >= 4 && fields[3] == "1") controllers.emplace_back(fields[0]);
  });
  return controllers;
}

std::string parseNvidiaDriverVersion(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (auto module = line.find("Kernel Module"); module != std::string_view::npos) {
    line.remove_prefix(module);
  }
  for (std::string_view field : splitWhitespace(line)) {
    bool versionLike = !field.empty() && field.front() >= '0' && field.front() <= '9' &&
                       field.find('.') != std::string_view::npos &&
                       std::all_of(field.begin(), field.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (versionLike) return std::string(field);
  }
  return {};
}

PciNames lookupPciNames(std::string_view pciIds, std::string_view vendorHex, std::string_view deviceHex) {
  PciNames names;
  if (vendorHex.size() != 4) return names;
  // A vendor line is "vvvv  Name" at the start of a line; its devices follow as
  // "\tdddd  Name" (subsystems "\t\t..."), until the next line that starts with neither.
  std::string needle = "\n";
  needle.append(vendorHex).append("  ");
  size_t lineStart = 0;
  if (pciIds.substr(0, needle.size() - 1) != std::string_view(needle).substr(1)) {
    // memmem (glibc's two-way search) skips ahead; string_view::find would stop at
    // every '\n' of the ~30,000 lines before the vendor.
    const void* at = ::memmem(pciIds.data(), pciIds.size(), needle.data(), needle.size());
    if (at == nullptr) return names;
    lineStart = static_cast<size_t>(static_cast<const char*>(at) - pciIds.data()) + 1;
  }
  std::string_view rest = pciIds.substr(lineStart);
  auto lineEnd = rest.find('\n');
  names.vendor = std::string(trim(rest.substr(6, lineEnd == std::string_view::npos ? std::string_view::npos : lineEnd - 6)));
  if (lineEnd == std::string_view::npos || deviceHex.size() != 4) return names;
  rest.remove_prefix(lineEnd + 1);
  while (!rest.empty()) {
    lineEnd = rest.find('\n');
    std::string_view line = rest.substr(0, lineEnd);
    if (!line.empty() && line.front() != '\t' && line.front() != '#') break;  // next vendor
    if (line.size() > 7 && line[0] == '\t' && line[1] != '\t' && line.substr(1, 4) == deviceHex &&
        line.substr(5, 2) == "  ") {
      names.device = std::string(trim(line.substr(7)));
      break;
    }
    if (lineEnd == std::string_view::npos) break;
    rest.remove_prefix(lineEnd + 1);
  }
  return names;
}

}  // namespace floe::agent::parsers
