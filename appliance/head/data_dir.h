// Where the head keeps its state. Everything lives under one directory
// (default /var/lib/floe), so backing up or moving a head is one copy.
#pragma once

#include <filesystem>

namespace floe::appliance {

struct DataDir {
  explicit DataDir(std::filesystem::path rootDir) : root(std::move(rootDir)) {}

  std::filesystem::path root;
  std::filesystem::path database() const { return root / "floe.db"; }
  std::filesystem::path pkiDir() const { return root / "pki"; }
  std::filesystem::path caCert() const { return pkiDir() / "ca.crt"; }
  std::filesystem::path caKey() const { return pkiDir() / "ca.key"; }
  std::filesystem::path serverCert() const { return pkiDir() / "server.crt"; }
  std::filesystem::path serverKey() const { return pkiDir() / "server.key"; }
  std::filesystem::path adminCert() const { return pkiDir() / "admin.crt"; }
  std::filesystem::path adminKey() const { return pkiDir() / "admin.key"; }
  // Written by a running `floe serve`: the URL the CLI talks to.
  std::filesystem::path serveUrlFile() const { return root / "serve.url"; }
  // What `floe init` set up for k3s (bootstrap/k3s_installation.h); holds its tokens.
  std::filesystem::path k3sInstallation() const { return root / "k3s.json"; }
  // Files offered to workers under /downloads/ (the floe-agent packages).
  std::filesystem::path downloadsDir() const { return root / "downloads"; }
  // The head's settings file (optional): `rebalance:` (appliance/rebalance/README.md).
  std::filesystem::path configFile() const { return root / "floe.yaml"; }
  // A supervised k3s server's output.
  std::filesystem::path k3sLog() const { return root / "logs" / "k3s.log"; }
};

inline constexpr const char* kDefaultDataDir = "/var/lib/floe";

}  // namespace floe::appliance
