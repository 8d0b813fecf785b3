// Names and addresses the head is reached by, shared by init (certificate SANs, the k3s
// config) and serve (the URL workers use).
#pragma once

#include <string>

namespace floe::appliance {

bool isIpAddress(const std::string& text);

// An IPv6 literal in brackets, as a URL needs it; names and IPv4 unchanged.
std::string hostForUrl(const std::string& host);

// This machine's hostname, or "" when the system has none.
std::string machineHostname();

}  // namespace floe::appliance
