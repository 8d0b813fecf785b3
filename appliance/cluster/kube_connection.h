// The head's connection to its k3s API server, from the admin kubeconfig k3s writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string_view>

#include "floe/common/status.h"
#include "floe/k8s/kube_client.h"

namespace floe::appliance {

Result<std::shared_ptr<k8s::KubeClient>> connectToKube(const std::filesystem::path& kubeconfig,
                                                        k8s::RetryPolicy retry = {});

// True when the kubeconfig exists and the API server serves objects from etcd: the
// readiness probe for a k3s server that floe starts. Quick: one attempt, no retries.
bool kubeApiReady(const std::filesystem::path& kubeconfig);

// For the head's controllers while k3s starts: waits until kubeApiReady, then connects,
// retrying every `retry` (logging once, as `who`, that it waits). Null when stop was
// requested first.
std::shared_ptr<k8s::KubeClient> waitForKubeApi(const std::filesystem::path& kubeconfig, std::string_view who,
                                                std::chrono::milliseconds retry, std::stop_token stop);

}  // namespace floe::appliance
