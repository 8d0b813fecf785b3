// Who and where the agent runs: root, the hostname, the clock.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "agent/preflight/checks.h"

namespace floe::agent {
namespace {

// The kernel lets maxerror grow to 16 s (NTP_PHASE_LIMIT) and then marks the clock
// unsynchronised; anything at or past it is no estimate at all.
constexpr int64_t kMaxClockErrorMicros = 16'000'000;

constexpr std::string_view kHostnameUniqueness =
    "its uniqueness in the cluster is checked by the head at join time";

std::string toLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// "Worker_01" -> "worker-01": a name to offer in a hint; "worker-01" when nothing of the
// original survives.
std::string suggestHostname(std::string_view hostname) {
  std::string suggestion;
  for (char c : toLower(hostname)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    suggestion.push_back(keep ? c : '-');
  }
  const auto first = suggestion.find_first_not_of("-.");
  const auto last = suggestion.find_last_not_of("-.");
  suggestion = first == std::string::npos ? "" : suggestion.substr(first, last - first + 1);
  if (!isValidDnsName(suggestion) || suggestion == "localhost") return "worker-01";
  return suggestion;
}

// The IPv4 address of the default-route interface, for an /etc/hosts line.
std::string primaryIpv4(const Inventory& inventory) {
  for (const NetworkInterface& interface : inventory.network) {
    if (interface.name != inventory.defaultRouteInterface || interface.ipv4.empty()) continue;
    const std::string& cidr = interface.ipv4.front();
    return cidr.substr(0, cidr.find('/'));
  }
  return "<this machine's IP address>";
}

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string formatMicros(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  if (micros < 1'000'000) {
    return std::to_string(micros / 1'000) + "." + std::to_string(micros % 1'000 / 100) + " ms";
  }
  return std::to_string(micros / 1'000'000) + "." + std::to_string(micros % 1'000'000 / 100'000) + " s";
}

}  // namespace

CheckResult checkRoot(const PreflightContext& ctx) {
  const uid_t euid = ctx.probe.effectiveUid();
  if (euid == 0) return kRootCheck.pass("running as root (euid 0)");
  return kRootCheck.failed("running as euid " + std::to_string(euid) +
                               ", not root: joining installs and starts k3s, which needs root",
                           "run it as root: `sudo floe-agent ...`");
}

CheckResult checkHostname(const PreflightContext& ctx) {
  const std::string& hostname = ctx.inventory.host.hostname;
  if (hostname.empty()) {
    return kHostnameCheck.warn("the hostname could not be read, so it was not checked",
                               "check that `hostname` prints this machine's name");
  }
  const std::string lower = toLower(hostname);
  if (lower == "localhost" || lower.starts_with("localhost.")) {
    return kHostnameCheck.failed(
        "the hostname is " + inQuotes(hostname) +
            ": the node name comes from it, and every worker named so would collide",
        "give the machine its own name: `hostnamectl set-hostname worker-01`, and update /etc/hosts");
  }
  if (!isValidDnsName(hostname)) {
    return kHostnameCheck.failed(
        "the hostname " + inQuotes(hostname) +
            " is not a valid DNS name (letters, digits and inner hyphens, dot-separated labels of 1 to "
            "63 characters, 253 in all), so it cannot be a Kubernetes node name",
        "rename the machine: `hostnamectl set-hostname " + suggestHostname(hostname) +
            "`, and update /etc/hosts");
  }

  std::vector<std::string> problems;
  std::vector<std::string> hints;
  if (lower != hostname) {
    problems.push_back("has uppercase letters, which Kubernetes node names may not have");
    hints.push_back("prefer a lowercase name: `hostnamectl set-hostname " + lower + "`");
  }
  if (!ctx.probe.resolves(hostname)) {
    problems.push_back("does not resolve to an address (getaddrinfo)");
    hints.push_back("add it to /etc/hosts: `echo '" + primaryIpv4(ctx.inventory) + " " + hostname +
                    "' >> /etc/hosts`");
  }
  if (problems.empty()) {
    return kHostnameCheck.pass("the hostname " + inQuotes(hostname) + " is a valid DNS name and resolves; " +
                               std::string(kHostnameUniqueness));
  }
  std::string observed = "the hostname " + inQuotes(hostname) + " is a valid DNS name but ";
  std::string hint;
  for (size_t i = 0; i < problems.size(); ++i) {
    observed += (i == 0 ? "" : " and ") + problems[i];
    hint += (i == 0 ? "" : "; ") + hints[i];
  }
  observed += "; " + std::string(kHostnameUniqueness);
  return kHostnameCheck.warn(std::move(observed), std::move(hint));
}

CheckResult checkTimeSync(const PreflightContext& ctx) {
  static const std::string kEnableNtpHint =
      "enable time synchronisation: `timedatectl set-ntp true` (systemd-timesyncd), or install chrony "
      "and `systemctl enable --now chrony` (chronyd on RHEL/SLES/Fedora)";
  auto state = ctx.probe.timeSync();
  if (!state.isOk()) {
    return kTimeSyncCheck.warn("the clock's synchronisation state could not be read: " + state.status().message(),
                               "check `timedatectl status`; " + kEnableNtpHint);
  }
  const std::string maxError = formatMicros(state->maxErrorMicros);
  if (state->synchronised && state->maxErrorMicros < kMaxClockErrorMicros) {
    return kTimeSyncCheck.pass("the system clock is synchronised (kernel estimate of its maximum error: " +
                               maxError + ")");
  }
  return kTimeSyncCheck.failed(
      "the system clock is not synchronised (the kernel reports it unsynchronised, maximum error " +
          maxError + "); certificates and join tokens are checked against the clock",
      kEnableNtpHint);
}

}  // namespace floe::agent
