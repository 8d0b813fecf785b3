// Inputs found by tests/fuzz/fuzz_kubeconfig.cpp that crashed the parser, kept as regressions.
#include "floe/k8s/kubeconfig.h"

#include <catch2/catch.hpp>

#include <string>

namespace floe::k8s {
namespace {

std::string refusal(const std::string& text) {
  Result<KubeConfig> config = parseKubeConfig(text, "/nowhere");
  REQUIRE_FALSE(config.isOk());
  CHECK(config.status().code() == ErrorCode::kInvalidArgument);
  return config.status().message();
}

// yaml-cpp answers a lookup of a missing key on a const node with an invalid node, and asking
// that node whether it is a scalar or a list throws YAML::InvalidNode, which nothing caught:
// a context entry without `name` (or a kubeconfig without `contexts`) terminated `floe`.
TEST_CASE("kubeconfig regression: a list entry without a name (fuzzer crash 2ea9fd94)", "[k8s][kubeconfig]") {
  // The fuzzer's input as it found it: duplicate top-level keys and a mangled `name` key.
  const std::string found = R"(apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClptRnJaU0JyTTNNZ2MyVnlkbVZ5SUdOaAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  nam LS0tLS1CRUdJTiBe: default
current-context: default
kind: Config
preferences: {}
users:
apiVersion: v1
clusters:
- - name: default
c  user:
 )";
  CHECK_THAT(refusal(found), Catch::Contains("context \"default\" not found (available: none)"));

  CHECK_THAT(refusal("current-context: a\ncontexts:\n- context: {cluster: c}\n"),
             Catch::Contains("context \"a\" not found (available: none)"));
  CHECK_THAT(refusal("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
                     "clusters:\n- cluster: {server: https://h:6443}\n"),
             Catch::Contains("cluster \"c\" not found (available: none)"));
  CHECK_THAT(refusal("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
                     "clusters:\n- name: c\n  cluster: {server: https://h:6443}\nusers:\n- user: {token: t}\n"),
             Catch::Contains("user \"u\" not found (available: none)"));
}

TEST_CASE("kubeconfig regression: sections that are missing altogether", "[k8s][kubeconfig]") {
  CHECK_THAT(refusal("apiVersion: v1\nkind: Config\n"),
             Catch::Contains("has no current-context; name a context explicitly (available: none)"));
  CHECK_THAT(refusal("apiVersion: v1\ncurrent-context: a\n"), Catch::Contains("context \"a\" not found"));
  CHECK_THAT(refusal("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\n"),
             Catch::Contains("cluster \"c\" not found"));
  CHECK_THAT(refusal("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
                     "clusters:\n- name: c\n  cluster: {server: https://h:6443}\n"),
             Catch::Contains("user \"u\" not found"));
}

}  // namespace
}  // namespace floe::k8s
