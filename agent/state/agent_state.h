// The agent's identity on disk (default /var/lib/floe-agent): its private key (0600,
// never leaves the machine), the certificate the head signed, the pinned cluster CA,
// and what it joined. Written atomically so a crash mid-join leaves either the old
// identity or the new one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "floe/common/status.h"

namespace floe::agent {

inline constexpr const char* kDefaultStateDir = "/var/lib/floe-agent";

struct JoinedIdentity {
  std::string nodeId;
  std::string name;
  std::string headUrl;
  std::string caSha256;
  std::string state;  // ready | pending, as the head said at join
  std::string joinedAt;
  nlohmann::json k3s = nlohmann::json::object();  // server_url, token: secret, never logged
};

class AgentStateDir {
 public:
  explicit AgentStateDir(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path keyFile() const { return root_ / "node.key"; }
  std::filesystem::path certFile() const { return root_ / "node.crt"; }
  std::filesystem::path caFile() const { return root_ / "ca.crt"; }
  std::filesystem::path identityFile() const { return root_ / "node.json"; }

  Status ensureExists() const;
  bool isJoined() const;
  // The existing key, or a new EC P-256 key written with mode 0600.
  Result<std::string> loadOrCreateKeyPem() const;
  Status saveCa(const std::string& pem) const;
  // Certificate first, identity last: node.json is what marks the machine joined.
  Status saveJoin(const std::string& certificatePem, const JoinedIdentity& identity) const;
  Result<JoinedIdentity> loadIdentity() const;
  Status remove() const;

 private:
  std::filesystem::path root_;
};

}  // namespace floe::agent
