#include "floe/k8s/kubeconfig.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "../../support/temp_dir.h"

namespace floe::k8s {
namespace {

// base64 of "-----CA-----\n", "-----CERT-----\n", "-----KEY-----\n".
constexpr const char* kCaData = "LS0tLS1DQS0tLS0tCg==";
constexpr const char* kCertData = "LS0tLS1DRVJULS0tLS0K";
constexpr const char* kKeyData = "LS0tLS1LRVktLS0tLQo=";

std::string twoContexts(std::string adminUser) {
  return R"(apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: )" +
         std::string(kCaData) + R"(
- name: lab
  cluster:
    server: https://lab.example:6443
    insecure-skip-tls-verify: true
users:
)" + adminUser + R"(
- name: robot
  user:
    token: s3cr3t-token
contexts:
- name: prod-admin
  context: {cluster: prod, user: admin, namespace: lakehouse}
- name: lab-robot
  context:
    cluster: lab
    user: robot
current-context: prod-admin
)";
}

std::string adminWithData() {
  return std::string("- name: admin\n  user:\n    client-certificate-data: ") + kCertData +
         "\n    client-key-data: " + kKeyData;
}

void writeFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST_CASE("kubeconfig: embedded data, current context", "[k8s][kubeconfig]") {
  Result<KubeConfig> config = parseKubeConfig(twoContexts(adminWithData()), "/nowhere");
  INFO(config.status().toString());
  REQUIRE(config.isOk());
  CHECK(config->contextName == "prod-admin");
  CHECK(config->clusterName == "prod");
  CHECK(config->userName == "admin");
  CHECK(config->server == "https://10.0.0.1:6443");  // trailing '/' dropped
  CHECK(config->defaultNamespace == "lakehouse");
  CHECK(config->caPem == "-----CA-----\n");
  CHECK(config->clientCertPem == "-----CERT-----\n");
  CHECK(config->clientKeyPem == "-----KEY-----\n");
  CHECK_FALSE(config->insecureSkipTlsVerify);
  CHECK(config->token.empty());
}

TEST_CASE("kubeconfig: a named context, token user, insecure cluster", "[k8s][kubeconfig]") {
  Result<KubeConfig> config = parseKubeConfig(twoContexts(adminWithData()), "/nowhere", "lab-robot");
  INFO(config.status().toString());
  REQUIRE(config.isOk());
  CHECK(config->server == "https://lab.example:6443");
  CHECK(config->insecureSkipTlsVerify);
  CHECK(config->caPem.empty());
  CHECK(config->token == "s3cr3t-token");
  CHECK(config->clientCertPem.empty());
  CHECK(config->defaultNamespace == "default");
}

TEST_CASE("kubeconfig: files resolve against the kubeconfig's directory", "[k8s][kubeconfig]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "pki");
  writeFile(dir / "pki" / "ca.crt", "file CA\n");
  writeFile(dir / "pki" / "admin.crt", "file cert\n");
  writeFile(dir.path() / "admin.key", "file key\n");
  writeFile(dir / "token", "  file-token\n");
  std::string users = "- name: admin\n  user:\n    client-certificate: pki/admin.crt\n    client-key: " +
                      (dir.path() / "admin.key").string() + "\n";
  std::string text = R"(clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}
users:
)" + users + R"(- name: bot
  user: {tokenFile: token}
contexts:
- {name: a, context: {cluster: c, user: admin}}
- {name: b, context: {cluster: c, user: bot}}
current-context: a
)";
  writeFile(dir / "config", text);

  Result<KubeConfig> config = loadKubeConfig(dir / "config");
  INFO(config.status().toString());
  REQUIRE(config.isOk());
  CHECK(config->sourcePath == (dir / "config").string());
  CHECK(config->caPem == "file CA\n");
  CHECK(config->clientCertPem == "file cert\n");
  CHECK(config->clientKeyPem == "file key\n");

  Result<KubeConfig> bot = loadKubeConfig(dir / "config", "b");
  REQUIRE(bot.isOk());
  CHECK(bot->tokenFile == dir / "token");
  CHECK(bot->token.empty());

  // Data beats the file when both are given, as in client-go.
  std::string both = text;
  both.replace(both.find("certificate-authority: pki/ca.crt"), std::string("certificate-authority: pki/ca.crt").size(),
               std::string("certificate-authority: pki/ca.crt, certificate-authority-data: ") + kCaData);
  Result<KubeConfig> preferData = parseKubeConfig(both, dir.path());
  REQUIRE(preferData.isOk());
  CHECK(preferData->caPem == "-----CA-----\n");
}

TEST_CASE("kubeconfig: a missing referenced file names the field and the path", "[k8s][kubeconfig]") {
  testing::TempDir dir;
  std::string text = R"(clusters:
- {name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority: missing/ca.crt}}
contexts:
- {name: a, context: {cluster: c}}
current-context: a
)";
  writeFile(dir / "config", text);
  Result<KubeConfig> config = loadKubeConfig(dir / "config");
  REQUIRE_FALSE(config.isOk());
  CHECK(config.status().code() == ErrorCode::kInvalidArgument);
  const std::string& message = config.status().message();
  CHECK_THAT(message, Catch::Contains((dir / "config").string()));
  CHECK_THAT(message, Catch::Contains("cluster \"c\""));
  CHECK_THAT(message, Catch::Contains("certificate-authority"));
  CHECK_THAT(message, Catch::Contains((dir / "missing" / "ca.crt").string()));
}

TEST_CASE("kubeconfig: missing context lists the ones there are", "[k8s][kubeconfig]") {
  Result<KubeConfig> config = parseKubeConfig(twoContexts(adminWithData()), "/nowhere", "staging");
  REQUIRE_FALSE(config.isOk());
  CHECK(config.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(config.status().message(), Catch::Contains("context \"staging\" not found"));
  CHECK_THAT(config.status().message(), Catch::Contains("prod-admin, lab-robot"));

  std::string noCurrent = twoContexts(adminWithData());
  noCurrent.erase(noCurrent.find("current-context"));
  Result<KubeConfig> unnamed = parseKubeConfig(noCurrent, "/nowhere");
  REQUIRE_FALSE(unnamed.isOk());
  CHECK_THAT(unnamed.status().message(), Catch::Contains("no current-context"));

  Result<KubeConfig> missingFile = loadKubeConfig("/nonexistent/kubeconfig");
  REQUIRE_FALSE(missingFile.isOk());
  CHECK_THAT(missingFile.status().message(), Catch::Contains("/nonexistent/kubeconfig"));
}

TEST_CASE("kubeconfig: bad base64 is reported without echoing the secret", "[k8s][kubeconfig]") {
  std::string secret = "not*base64*SECRETKEYMATERIAL";
  std::string user = std::string("- name: admin\n  user:\n    client-certificate-data: ") + kCertData +
                     "\n    client-key-data: " + secret;
  Result<KubeConfig> config = parseKubeConfig(twoContexts(user), "/nowhere");
  REQUIRE_FALSE(config.isOk());
  CHECK(config.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(config.status().message(), Catch::Contains("user \"admin\""));
  CHECK_THAT(config.status().message(), Catch::Contains("client-key-data"));
  CHECK_THAT(config.status().message(), Catch::Contains("not valid base64"));
  CHECK_THAT(config.status().message(), !Catch::Contains("SECRETKEYMATERIAL"));

  // Bad padding and a stray character after the padding are both refused.
  for (const char* bad : {"QUJD=", "QQ==QQ==", "Q===", "QUJ"}) {
    std::string u = std::string("- name: admin\n  user:\n    client-certificate-data: ") + bad +
                    "\n    client-key-data: " + kKeyData;
    INFO(bad);
    CHECK_FALSE(parseKubeConfig(twoContexts(u), "/nowhere").isOk());
  }
}

TEST_CASE("kubeconfig: malformed documents and unsupported users", "[k8s][kubeconfig]") {
  CHECK_THAT(parseKubeConfig("clusters: [", "/").status().message(), Catch::Contains("not valid YAML"));
  CHECK_THAT(parseKubeConfig("- a\n- b\n", "/").status().message(), Catch::Contains("not a kubeconfig"));

  std::string noServer = twoContexts(adminWithData());
  noServer.replace(noServer.find("server: https://10.0.0.1:6443/"), 30, "server: ftp://10.0.0.1");
  CHECK_THAT(parseKubeConfig(noServer, "/").status().message(), Catch::Contains("not an http(s):// URL"));

  std::string exec = "- name: admin\n  user:\n    exec: {command: aws}";
  CHECK_THAT(parseKubeConfig(twoContexts(exec), "/").status().message(), Catch::Contains("exec or auth-provider"));

  std::string certOnly = std::string("- name: admin\n  user:\n    client-certificate-data: ") + kCertData;
  CHECK_THAT(parseKubeConfig(twoContexts(certOnly), "/").status().message(),
             Catch::Contains("has a client certificate but no client key"));

  std::string badBool = twoContexts(adminWithData());
  badBool.replace(badBool.find("insecure-skip-tls-verify: true"), 30, "insecure-skip-tls-verify: maybe");
  CHECK_THAT(parseKubeConfig(badBool, "/", "lab-robot").status().message(), Catch::Contains("not true or false"));
}

}  // namespace
}  // namespace floe::k8s
