#include "bootstrap/k3s_installation.h"

#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "floe/common/files.h"

namespace floe::bootstrap {
namespace {

namespace fs = std::filesystem;

class NoCommands final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv) override {
    return internalError("unexpected command " + argv.front());
  }
};

TEST_CASE("K3sInstallation: saved 0600 and loaded back", "[bootstrap][installation]") {
  testing::TempDir dir;
  K3sInstallation k;
  k.role = K3sRole::kAgent;
  k.binary = "/usr/local/bin/k3s";
  k.paths = {dir.path() / "etc", dir.path() / "data"};
  k.serverUrl = "https://10.0.0.1:6443";
  k.agentToken = "secret";
  auto file = dir.path() / "k3s.json";
  REQUIRE(saveInstallation(file, k).isOk());
  CHECK((fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  auto loaded = loadInstallation(file);
  REQUIRE(loaded.isOk());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->role == K3sRole::kAgent);
  CHECK((*loaded)->agentToken == "secret");
  CHECK((*loaded)->paths.dataDir == dir.path() / "data");
  CHECK_FALSE(loadInstallation(dir.path() / "none").value().has_value());
  REQUIRE(writeFileAtomically(file, "{\"role\": 1}", fs::perms::owner_all).isOk());
  CHECK(loadInstallation(file).status().message().find("is corrupt") != std::string::npos);
}

TEST_CASE("writeK3sConfigFile: never replaces a config floe did not write", "[bootstrap][installation]") {
  testing::TempDir dir;
  auto file = dir.path() / "etc" / "config.yaml";
  REQUIRE(writeK3sConfigFile(file, "# Written by floe\na: 1\n").isOk());
  REQUIRE(writeK3sConfigFile(file, "# Written by floe\na: 2\n").isOk());
  CHECK(readFile(file).value() == "# Written by floe\na: 2\n");
  REQUIRE(writeFileAtomically(file, "token: theirs\n", fs::perms::owner_all).isOk());
  auto refused = writeK3sConfigFile(file, "# Written by floe\n");
  CHECK(refused.code() == ErrorCode::kFailedPrecondition);
  CHECK(readFile(file).value() == "token: theirs\n");
}

TEST_CASE("removeInstallation: removes what floe set up, keeps an installed k3s", "[bootstrap][installation]") {
  testing::TempDir dir;
  K3sInstallation k;
  k.paths = {dir.path() / "etc", dir.path() / "data"};
  k.binary = dir.path() / "k3s";
  REQUIRE(writeK3sConfigFile(k.paths.configFile(), "# Written by floe\n").isOk());
  REQUIRE(writeFileAtomically(k.paths.kubeconfig(), "kubeconfig", fs::perms::owner_all).isOk());
  REQUIRE(ensureDirectory(k.paths.dataDir / "server", fs::perms::owner_all).isOk());
  REQUIRE(writeFileAtomically(k.binary, "bin", fs::perms::owner_all).isOk());
  NoCommands runner;
  REQUIRE(removeInstallation(k, runner).isOk());
  CHECK_FALSE(fs::exists(k.paths.configFile()));
  CHECK_FALSE(fs::exists(k.paths.kubeconfig()));
  CHECK_FALSE(fs::exists(k.paths.dataDir));
  CHECK(fs::exists(k.binary));  // not from a bundle: the user's own k3s stays
  k.binaryFromBundle = true;
  REQUIRE(removeInstallation(k, runner).isOk());  // twice is fine
  CHECK_FALSE(fs::exists(k.binary));
}

}  // namespace
}  // namespace floe::bootstrap
