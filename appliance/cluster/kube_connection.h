// The head's connection to its k3s API server, from the admin kubeconfig k3s writes.
#pragma once

#include <filesystem>
#include <memory>

#include "floe/common/status.h"
#include "floe/k8s/kube_client.h"

namespace floe::appliance {

Result<std::shared_ptr<k8s::KubeClient>> connectToKube(const std::filesystem::path& kubeconfig,
                                                        k8s::RetryPolicy retry = {});

// True when the kubeconfig exists and the API server serves objects from etcd: the
// readiness probe for a k3s server that floe starts. Quick: one attempt, no retries.
bool kubeApiReady(const std::filesystem::path& kubeconfig);

}  // namespace floe::appliance
