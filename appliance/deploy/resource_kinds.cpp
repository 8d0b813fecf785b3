#include "deploy/resource_kinds.h"

#include <map>

namespace floe::appliance {

Result<k8s::ResourceType> resourceTypeOf(const nlohmann::json& object) {
  struct Kind {
    const char* plural;
    bool namespaced;
  };
  static const std::map<std::string, Kind> kKinds = {
      {"Namespace", {"namespaces", false}},
      {"ServiceAccount", {"serviceaccounts", true}},
      {"Secret", {"secrets", true}},
      {"ConfigMap", {"configmaps", true}},
      {"Service", {"services", true}},
      {"Deployment", {"deployments", true}},
      {"StatefulSet", {"statefulsets", true}},
      {"DaemonSet", {"daemonsets", true}},
      {"Job", {"jobs", true}},
      {"Role", {"roles", true}},
      {"RoleBinding", {"rolebindings", true}},
      {"ClusterRole", {"clusterroles", false}},
      {"ClusterRoleBinding", {"clusterrolebindings", false}},
      {"PodDisruptionBudget", {"poddisruptionbudgets", true}},
      {"HelmChart", {"helmcharts", true}},
  };
  std::string kind = object.value("kind", "");
  std::string apiVersion = object.value("apiVersion", "");
  auto it = kKinds.find(kind);
  if (it == kKinds.end()) return invalidArgument("no API mapping for kind " + kind + " (" + apiVersion + ")");
  size_t slash = apiVersion.find('/');
  std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  std::string version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  return k8s::ResourceType{group, version, it->second.plural, it->second.namespaced};
}

}  // namespace floe::appliance
