#include "cluster/kube_connection.h"

#include <spdlog/spdlog.h>

#include "floe/k8s/curl_transport.h"
#include "floe/k8s/kubeconfig.h"

namespace floe::appliance {

Result<std::shared_ptr<k8s::KubeClient>> connectToKube(const std::filesystem::path& kubeconfig,
                                                        k8s::RetryPolicy retry) {
  FLOE_ASSIGN_OR_RETURN(auto config, k8s::loadKubeConfig(kubeconfig));
  return std::make_shared<k8s::KubeClient>(k8s::makeCurlTransport(config), retry);
}

bool kubeApiReady(const std::filesystem::path& kubeconfig) {
  std::error_code ec;
  if (!std::filesystem::exists(kubeconfig, ec)) return false;
  k8s::RetryPolicy once;
  once.maxAttempts = 1;
  auto client = connectToKube(kubeconfig, once);
  if (!client.isOk()) return false;
  // The default namespace exists once the API server has started its bootstrap
  // controllers against a working etcd: a JSON answer a plain-text /readyz is not.
  return (*client)->get(k8s::resources::kNamespaces, "", "default").isOk();
}

std::shared_ptr<k8s::KubeClient> waitForKubeApi(const std::filesystem::path& kubeconfig, std::string_view who,
                                                std::chrono::milliseconds retry, std::stop_token stop) {
  bool announced = false;
  k8s::SystemSleeper sleeper;
  while (!stop.stop_requested()) {
    if (kubeApiReady(kubeconfig)) {
      auto client = connectToKube(kubeconfig);
      if (client.isOk()) return *client;
      spdlog::warn("{} cannot use kubeconfig={} error=\"{}\"", who, kubeconfig.string(), client.status().message());
    } else if (!announced) {
      spdlog::info("{} waiting for the Kubernetes API kubeconfig={}", who, kubeconfig.string());
      announced = true;
    }
    sleeper.sleepFor(retry, stop);
  }
  return nullptr;
}

}  // namespace floe::appliance
