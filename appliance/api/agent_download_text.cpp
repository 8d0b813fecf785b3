#include "api/agent_download_text.h"

#include <sstream>

namespace floe::appliance {

std::string agentDownloadInstructions(const nlohmann::json& agentPackages, const std::string& caSha256) {
  std::ostringstream out;
  if (!agentPackages.is_array() || agentPackages.empty()) {
    out << "No agent packages on this head: put floe-agent's .deb/.rpm into <data-dir>/downloads/ to offer them "
           "here.\n";
    return out.str();
  }
  std::string base = agentPackages[0].value("url", "");
  base = base.substr(0, base.rfind("/downloads/"));
  out << "Without floe-agent installed, fetch it from this head first; each download runs only if\n"
      << "the head's CA matches the pin in the token (no trust on first use):\n\n";
  for (const auto& package : agentPackages) {
    out << "  curl -fsSk " << base << "/cacerts -o floe-ca.crt &&\n"
        << "    test \"$(openssl x509 -in floe-ca.crt -outform DER | sha256sum | cut -d' ' -f1)\" = " << caSha256
        << " &&\n"
        << "    curl -fsS --cacert floe-ca.crt -O " << package.value("url", "") << "\n"
        << "  # sha256 of " << package.value("name", "") << ": " << package.value("sha256", "") << "\n";
  }
  return out.str();
}

}  // namespace floe::appliance
