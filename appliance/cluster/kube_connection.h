// The head's connection to its k3s API server, from the admin kubeconfig k3s writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
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

// Waits for kubeApiReady and a client, as a controller starting alongside k3s does: logs once
// that `who` waits, then `pause`s between attempts. nullptr when stop was requested first.
std::shared_ptr<k8s::KubeClient> waitForKubeApi(const std::filesystem::path& kubeconfig, std::string_view who,
                                                std::stop_token stop,
                                                const std::function<void(std::chrono::milliseconds)>& pause);

}  // namespace floe::appliance
