// Addressing API resources: core resources live under /api/v1, the others under
// /apis/GROUP/VERSION; namespaced ones add namespaces/NS.
#pragma once

#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::k8s {

struct ResourceType {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "pods"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// The types floe works with. Anything else: spell out a ResourceType.
namespace resources {
inline const ResourceType kNamespaces{"", "v1", "namespaces", false};
inline const ResourceType kNodes{"", "v1", "nodes", false};
inline const ResourceType kPods{"", "v1", "pods", true};
inline const ResourceType kConfigMaps{"", "v1", "configmaps", true};
inline const ResourceType kSecrets{"", "v1", "secrets", true};
inline const ResourceType kServices{"", "v1", "services", true};
inline const ResourceType kEvents{"", "v1", "events", true};
inline const ResourceType kDeployments{"apps", "v1", "deployments", true};
inline const ResourceType kStatefulSets{"apps", "v1", "statefulsets", true};
inline const ResourceType kDaemonSets{"apps", "v1", "daemonsets", true};
inline const ResourceType kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets", true};
}  // namespace resources

// "/api/v1/namespaces/NS/pods" or "/api/v1/nodes"; for a namespaced type an empty `ns`
// means all namespaces. Errors on a namespace for a cluster-scoped type.
Result<std::string> collectionPath(const ResourceType& type, std::string_view ns);

// ".../pods/NAME[/SUBRESOURCE]"; a namespaced type needs `ns`, and every object a name.
Result<std::string> objectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                               std::string_view subresource = "");

// Percent-encodes everything but RFC 3986 unreserved characters (for query values and
// path segments: label selectors carry '=', ',' and '!').
std::string percentEncode(std::string_view text);

}  // namespace floe::k8s
