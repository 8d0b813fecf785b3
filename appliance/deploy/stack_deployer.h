// Deploys the lakehouse stack and keeps it as rendered (k8s-manifests/, see stack_plan.h).
//
// On its own thread, once the Kubernetes API answers:
// 1. rollout: component by component in file order, server-side apply (fieldManager floe,
//    forcing ownership of the fields we set), then wait until the component is ready
//    (readiness.h) — logging its progress — or componentTimeout passes (it is then left
//    progressing and the next component starts: Kubernetes keeps retrying, and so do we);
// 2. reconcile every reconcileInterval: render again (values follow the cluster as nodes
//    join), apply every object again (a no-op where nothing drifted; a deleted Deployment is
//    created again), observe readiness. Informers on the Deployments, StatefulSets and
//    DaemonSets floe manages (label app.kubernetes.io/managed-by=floe) start a pass at once
//    when one is deleted, so such drift is repaired in about a second, not an interval.
// Each component's version, state, message and endpoint go into floe.db whenever they change
// (`floe status`, GET /api/v1/stack). Applying the same objects twice changes nothing, so the
// deployer is idempotent across restarts of the head.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deploy/manifest_render.h"
#include "deploy/readiness.h"
#include "deploy/stack_plan.h"
#include "deploy/stack_store.h"
#include "floe/k8s/informer.h"
#include "floe/k8s/kube_client.h"

namespace floe::appliance {

struct StackDeployerOptions {
  std::filesystem::path kubeconfig;
  StackPlanSource source;
  std::chrono::milliseconds reconcileInterval{30000};
  std::chrono::milliseconds componentTimeout{300000};
  std::chrono::milliseconds pollInterval{1000};
};

// The objects of one component, in file order.
struct ComponentObjects {
  std::string name;
  std::vector<nlohmann::json> objects;
};
std::vector<ComponentObjects> groupByComponent(const std::vector<RenderedObject>& objects);

// The upstream version a component runs: the tag of its first workload's first image (init
// containers first), or a
// HelmChart's chart version; FLOE_VERSION for components of plain objects (namespaces, RBAC).
std::string componentVersion(const std::vector<nlohmann::json>& objects);
// From the component's Service annotated floe.io/endpoint (a URL scheme):
// SCHEME://NAME.NAMESPACE.svc:PORT; "" when it has none.
std::string componentEndpoint(const std::vector<nlohmann::json>& objects);
// The least ready of the objects' states (failed < progressing < submitted < ready).
ObjectReadiness combineReadiness(const std::vector<std::pair<std::string, ObjectReadiness>>& byObject);

class StackDeployer {
 public:
  StackDeployer(StackDeployerOptions options, Store& store, const Clock& clock);
  ~StackDeployer();
  StackDeployer(const StackDeployer&) = delete;
  StackDeployer& operator=(const StackDeployer&) = delete;

  void start();
  void stop();

 private:
  void run(std::stop_token stop);
  bool connect(std::stop_token stop);
  // One pass over every component; with `rollout`, waits for each before the next.
  void pass(std::stop_token stop, bool rollout);
  Status applyComponent(const ComponentObjects& component, std::stop_token stop);
  ObjectReadiness observeComponent(const ComponentObjects& component, std::stop_token stop);
  void record(StackComponent component);
  void recordAll(const std::string& state, const std::string& message);
  bool sleepFor(std::chrono::milliseconds duration, std::stop_token stop);
  // Until the interval passes or a watched workload is deleted; false when stopping.
  bool waitForNextPass(std::stop_token stop);
  void watchWorkloads();

  StackDeployerOptions options_;
  Store& store_;
  const Clock& clock_;
  std::shared_ptr<k8s::KubeClient> client_;
  std::map<std::string, StackComponent> recorded_;  // deployer thread only
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool workloadDeleted_ = false;  // guarded by mutex_
  std::vector<std::unique_ptr<k8s::Informer>> informers_;
  std::jthread thread_;
};

}  // namespace floe::appliance
