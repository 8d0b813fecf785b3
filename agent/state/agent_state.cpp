#include "agent/state/agent_state.h"

#include "floe/common/files.h"
#include "floe/pki/private_key.h"

namespace floe::agent {
namespace {

namespace fs = std::filesystem;
constexpr fs::perms kPrivate = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms kPublic = kPrivate | fs::perms::group_read | fs::perms::others_read;

}  // namespace

Status AgentStateDir::ensureExists() const {
  return ensureDirectory(root_, fs::perms::owner_all)
      .withContext("preparing the agent state directory (run as root, or pass --state-dir)");
}

bool AgentStateDir::isJoined() const { return fs::exists(identityFile()) && fs::exists(certFile()); }

Result<std::string> AgentStateDir::loadOrCreateKeyPem() const {
  if (fs::exists(keyFile())) {
    FLOE_ASSIGN_OR_RETURN(std::string pem, readFile(keyFile()));
    // A key that no longer parses is replaced: the head signs whatever key we send.
    if (pki::PrivateKey::fromPem(pem).isOk()) return pem;
  }
  FLOE_ASSIGN_OR_RETURN(auto key, pki::PrivateKey::generateEcP256());
  FLOE_ASSIGN_OR_RETURN(std::string pem, key.toPem());
  FLOE_RETURN_IF_ERROR(writeFileAtomically(keyFile(), pem, kPrivate));
  return pem;
}

Status AgentStateDir::saveCa(const std::string& pem) const {
  return writeFileAtomically(caFile(), pem, kPublic);
}

Status AgentStateDir::saveJoin(const std::string& certificatePem, const JoinedIdentity& identity) const {
  FLOE_RETURN_IF_ERROR(writeFileAtomically(certFile(), certificatePem, kPublic));
  nlohmann::json doc{{"node_id", identity.nodeId}, {"name", identity.name},   {"head_url", identity.headUrl},
                     {"ca_sha256", identity.caSha256}, {"state", identity.state}, {"joined_at", identity.joinedAt},
                     {"k3s", identity.k3s}};
  // node.json holds the k3s agent token, so it is private too.
  return writeFileAtomically(identityFile(), doc.dump(2) + "\n", kPrivate);
}

Result<JoinedIdentity> AgentStateDir::loadIdentity() const {
  if (!fs::exists(identityFile())) {
    return notFound("this machine has not joined a cluster (" + identityFile().string() +
                    " is missing); run 'floe-agent join https://HEAD:9443 --token FLOE1-…'");
  }
  FLOE_ASSIGN_OR_RETURN(std::string text, readFile(identityFile()));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("node_id") || !doc.contains("head_url")) {
    return failedPrecondition(identityFile().string() + " is corrupt; run 'floe-agent join' again");
  }
  JoinedIdentity identity;
  identity.nodeId = doc.value("node_id", "");
  identity.name = doc.value("name", "");
  identity.headUrl = doc.value("head_url", "");
  identity.caSha256 = doc.value("ca_sha256", "");
  identity.state = doc.value("state", "");
  identity.joinedAt = doc.value("joined_at", "");
  identity.k3s = doc.value("k3s", nlohmann::json::object());
  return identity;
}

Status AgentStateDir::remove() const {
  std::error_code ec;
  for (const auto& file : {identityFile(), certFile(), caFile(), keyFile(), root_ / "status.json"}) {
    fs::remove(file, ec);
    if (ec) return ioError("cannot remove " + file.string() + ": " + ec.message());
  }
  // A write killed half-way leaves its temporary file (writeFileAtomically's "*.tmp");
  // node.json.tmp may hold the k3s agent token, so it goes too.
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (entry.path().extension() == ".tmp" && entry.is_regular_file()) fs::remove(entry.path(), ec);
  }
  return Status::ok();
}

}  // namespace floe::agent
