// Whether an applied object does what it is for, judged from the object the API server
// returns (status written by the controllers), per kind:
// - Deployment: observed the current generation, all replicas updated, condition Available;
// - StatefulSet: observed the current generation, readyReplicas == replicas;
// - DaemonSet: observed the current generation, every scheduled pod ready (none scheduled:
//   still progressing, with a message saying no node matches);
// - Job: condition Complete (Failed: failed);
// - HelmChart (helm.cattle.io): "submitted" until k3s's helm controller reports its install
//   Job (status.jobName), then that Job's state (see StackDeployer);
// - anything else (Namespace, Service, ConfigMap, Secret, RBAC...): ready once applied.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace floe::appliance {

enum class Readiness { kReady, kProgressing, kSubmitted, kFailed };

std::string_view readinessName(Readiness readiness);

struct ObjectReadiness {
  Readiness state = Readiness::kProgressing;
  std::string message;  // "2/3 replicas ready", "no node matches its placement", ...
};

ObjectReadiness evaluateReadiness(const nlohmann::json& object);

}  // namespace floe::appliance
