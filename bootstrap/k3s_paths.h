// Where k3s keeps its configuration and state. The defaults are k3s's own; tests and
// unusual installs move both roots (e.g. into a temporary directory).
#pragma once

#include <filesystem>

namespace floe::bootstrap {

inline constexpr const char* kDefaultK3sConfigDir = "/etc/rancher/k3s";
inline constexpr const char* kDefaultK3sDataDir = "/var/lib/rancher/k3s";
inline constexpr int kDefaultK3sApiPort = 6443;

struct K3sPaths {
  std::filesystem::path configDir = kDefaultK3sConfigDir;
  std::filesystem::path dataDir = kDefaultK3sDataDir;

  std::filesystem::path configFile() const { return configDir / "config.yaml"; }
  // The admin kubeconfig a k3s server writes (write-kubeconfig).
  std::filesystem::path kubeconfig() const { return configDir / "k3s.yaml"; }
  // k3s imports every archive found here at start, which is how airgap images load.
  std::filesystem::path imagesDir() const { return dataDir / "agent" / "images"; }
  std::filesystem::path serverTokenFile() const { return dataDir / "server" / "token"; }
};

}  // namespace floe::bootstrap
