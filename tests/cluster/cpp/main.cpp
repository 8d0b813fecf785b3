// Catch2's main for the cluster tier: these tests talk to a real kube-apiserver named
// by FLOE_TEST_KUBECONFIG (tests/cluster/test_k8s_client.py starts one and sets it).
#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char* argv[]) {
  const char* kubeconfig = std::getenv("FLOE_TEST_KUBECONFIG");
  if (kubeconfig == nullptr || *kubeconfig == '\0') {
    std::cerr << "floe_cluster_tests: FLOE_TEST_KUBECONFIG is not set. These tests need a disposable "
                 "Kubernetes control plane: run tests/cluster/control-plane.sh up DIR and set "
                 "FLOE_TEST_KUBECONFIG=DIR/kubeconfig (or run tests/cluster/test_k8s_client.py).\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return Catch::Session().run(argc, argv);
}
