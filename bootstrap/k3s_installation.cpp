#include "bootstrap/k3s_installation.h"

#include <nlohmann/json.hpp>

#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr fs::perms kPrivateFile = fs::perms::owner_read | fs::perms::owner_write;
constexpr std::string_view kFloeHeader = "# Written by floe";

Status removePath(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return ioError("removing " + path.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Status saveInstallation(const fs::path& file, const K3sInstallation& k) {
  json out = {{"role", k.role == K3sRole::kServer ? "server" : "agent"},
              {"systemd", k.systemd},
              {"binary", k.binary.string()},
              {"binary_from_bundle", k.binaryFromBundle},
              {"config_dir", k.paths.configDir.string()},
              {"data_dir", k.paths.dataDir.string()},
              {"unit_dir", k.unitDir.string()},
              {"node_name", k.nodeName},
              {"server_url", k.serverUrl},
              {"agent_token", k.agentToken},
              {"server_token", k.serverToken}};
  return writeFileAtomically(file, out.dump(2) + "\n", kPrivateFile);
}

Result<std::optional<K3sInstallation>> loadInstallation(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<K3sInstallation>();
  FLOE_ASSIGN_OR_RETURN(std::string text, readFile(file));
  auto in = json::parse(text, nullptr, false);
  auto corrupt = [&](const std::string& why) {
    return failedPrecondition(file.string() + " is corrupt (" + why +
                              "); restore it from a backup or run the reset/leave command and set up again");
  };
  if (!in.is_object()) return corrupt("not a JSON object");
  try {
    K3sInstallation k;
    k.role = in.at("role").get<std::string>() == "agent" ? K3sRole::kAgent : K3sRole::kServer;
    k.systemd = in.at("systemd").get<bool>();
    k.binary = in.at("binary").get<std::string>();
    k.binaryFromBundle = in.at("binary_from_bundle").get<bool>();
    k.paths.configDir = in.at("config_dir").get<std::string>();
    k.paths.dataDir = in.at("data_dir").get<std::string>();
    k.unitDir = in.at("unit_dir").get<std::string>();
    k.nodeName = in.value("node_name", "");
    k.serverUrl = in.at("server_url").get<std::string>();
    k.agentToken = in.at("agent_token").get<std::string>();
    k.serverToken = in.at("server_token").get<std::string>();
    return std::optional<K3sInstallation>(std::move(k));
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
}

Status writeK3sConfigFile(const fs::path& file, const std::string& text) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    FLOE_ASSIGN_OR_RETURN(std::string existing, readFile(file));
    if (existing.rfind(kFloeHeader, 0) != 0) {
      return failedPrecondition(file.string() +
                                " exists and was not written by floe; refusing to reconfigure a k3s that floe does "
                                "not manage. Move it away, or choose another directory with --k3s-config-dir");
    }
  }
  FLOE_RETURN_IF_ERROR(ensureDirectory(file.parent_path(), fs::perms::owner_all | fs::perms::group_read |
                                                               fs::perms::group_exec | fs::perms::others_read |
                                                               fs::perms::others_exec));
  return writeFileAtomically(file, text, kPrivateFile);
}

Status removeInstallation(const K3sInstallation& k, CommandRunner& runner) {
  if (k.systemd) {
    SystemdUnit unit(k3sUnitName(k.role), k.unitDir, runner);
    FLOE_RETURN_IF_ERROR(unit.remove());
  }
  FLOE_RETURN_IF_ERROR(removePath(k.paths.configFile()));
  FLOE_RETURN_IF_ERROR(removePath(k.paths.kubeconfig()));
  FLOE_RETURN_IF_ERROR(removePath(k.paths.dataDir));
  if (k.binaryFromBundle) FLOE_RETURN_IF_ERROR(removePath(k.binary));
  return Status::ok();
}

}  // namespace floe::bootstrap
