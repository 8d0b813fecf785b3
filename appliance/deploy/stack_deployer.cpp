#include "deploy/stack_deployer.h"

#include <spdlog/spdlog.h>

#include <set>

#include "cluster/kube_connection.h"
#include "deploy/resource_kinds.h"
#include "rebalance/cluster_snapshot.h"

namespace floe::appliance {
namespace {

using nlohmann::json;
constexpr std::chrono::seconds kProgressLogEvery{10};
const std::set<std::string> kWorkloadKinds = {"Deployment", "StatefulSet", "DaemonSet", "Job"};

std::string describe(const json& object) {
  std::string ns = object["metadata"].value("namespace", "");
  return object.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + object["metadata"].value("name", "");
}

int severity(Readiness state) {
  switch (state) {
    case Readiness::kFailed: return 0;
    case Readiness::kProgressing: return 1;
    case Readiness::kSubmitted: return 2;
    case Readiness::kReady: return 3;
  }
  return 1;
}

}  // namespace

std::vector<ComponentObjects> groupByComponent(const std::vector<RenderedObject>& objects) {
  std::vector<ComponentObjects> out;
  for (const auto& rendered : objects) {
    if (out.empty() || out.back().name != rendered.component) out.push_back({rendered.component, {}});
    out.back().objects.push_back(rendered.object);
  }
  return out;
}

std::string componentVersion(const std::vector<json>& objects) {
  for (const auto& object : objects) {
    std::string kind = object.value("kind", "");
    if (kind == "HelmChart" && object.contains("spec")) return object["spec"].value("version", "");
    if (!kWorkloadKinds.count(kind)) continue;
    // An init container comes first: in the bootstrap Job it runs the upstream tool that matters.
    static const json::json_pointer kFirstInitImage("/spec/template/spec/initContainers/0/image");
    static const json::json_pointer kFirstImage("/spec/template/spec/containers/0/image");
    const json::json_pointer& where = object.contains(kFirstInitImage) ? kFirstInitImage : kFirstImage;
    if (!object.contains(where)) continue;
    std::string image = object.at(where).get<std::string>();
    size_t colon = image.rfind(':');
    if (colon != std::string::npos && image.find('/', colon) == std::string::npos) return image.substr(colon + 1);
    return image;
  }
  return FLOE_VERSION;
}

std::string componentEndpoint(const std::vector<json>& objects) {
  for (const auto& object : objects) {
    if (object.value("kind", "") != "Service") continue;
    const json& metadata = object["metadata"];
    if (!metadata.contains("annotations") || !metadata["annotations"].contains("floe.io/endpoint")) continue;
    std::string scheme = metadata["annotations"].value("floe.io/endpoint", "");
    static const json::json_pointer kFirstPort("/spec/ports/0/port");
    std::string port = object.contains(kFirstPort) ? ":" + object.at(kFirstPort).dump() : "";
    return scheme + "://" + metadata.value("name", "") + "." + metadata.value("namespace", "") + ".svc" + port;
  }
  return "";
}

ObjectReadiness combineReadiness(const std::vector<std::pair<std::string, ObjectReadiness>>& byObject) {
  ObjectReadiness worst{Readiness::kReady, "applied"};
  std::string detail;
  for (const auto& [name, readiness] : byObject) {
    if (severity(readiness.state) < severity(worst.state)) worst.state = readiness.state;
  }
  for (const auto& [name, readiness] : byObject) {
    if (readiness.state == worst.state && (worst.state != Readiness::kReady || readiness.message != "applied")) {
      detail += (detail.empty() ? "" : "; ") + name + ": " + readiness.message;
    }
  }
  worst.message = detail.empty() ? "applied" : detail;
  return worst;
}

StackDeployer::StackDeployer(StackDeployerOptions options, Store& store, const Clock& clock)
    : options_(std::move(options)), store_(store), clock_(clock) {}

StackDeployer::~StackDeployer() { stop(); }

void StackDeployer::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void StackDeployer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
  for (auto& informer : informers_) informer->stop();
}

void StackDeployer::watchWorkloads() {
  for (const auto& type : {k8s::resources::kDeployments, k8s::resources::kStatefulSets, k8s::resources::kDaemonSets}) {
    k8s::InformerOptions options;
    options.type = type;
    options.labelSelector = std::string(kManagedByLabel) + "=floe";
    k8s::InformerHandlers handlers;
    handlers.onDelete = [this](const json& object) {
      spdlog::info("stack workload deleted, repairing now object=\"{}\"", describe(object));
      {
        std::lock_guard lock(mutex_);
        workloadDeleted_ = true;
      }
      wake_.notify_all();
    };
    informers_.push_back(std::make_unique<k8s::Informer>(client_, options, handlers));
    informers_.back()->start();
  }
}

bool StackDeployer::waitForNextPass(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, options_.reconcileInterval, [this] { return workloadDeleted_; });
  workloadDeleted_ = false;
  return !stop.stop_requested();
}

bool StackDeployer::sleepFor(std::chrono::milliseconds duration, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

void StackDeployer::record(StackComponent component) {
  auto previous = recorded_.find(component.name);
  if (previous != recorded_.end() && previous->second == component) return;
  if (previous == recorded_.end() || previous->second.state != component.state) {
    auto level = component.state == "failed" || component.state == "error" ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "stack component={} state={} version={} detail=\"{}\"", component.name, component.state,
                component.version, component.message);
  }
  component.updatedAtMillis = clock_.nowUnixMillis();
  if (auto saved = saveStackComponent(store_, component); !saved.isOk()) {
    spdlog::warn("cannot record stack component={} error=\"{}\"", component.name, saved.message());
    return;
  }
  recorded_[component.name] = std::move(component);
}

void StackDeployer::recordAll(const std::string& state, const std::string& message) {
  auto existing = listStackComponents(store_);
  if (!existing.isOk()) return;
  for (auto component : *existing) {
    component.state = state;
    component.message = message;
    record(std::move(component));
  }
}

bool StackDeployer::connect(std::stop_token stop) {
  client_ = waitForKubeApi(options_.kubeconfig, "stack deployer", stop,
                           [&](std::chrono::milliseconds retry) { sleepFor(retry, stop); });
  return client_ != nullptr;
}

Status StackDeployer::applyComponent(const ComponentObjects& component, std::stop_token stop) {
  for (const auto& object : component.objects) {
    FLOE_ASSIGN_OR_RETURN(auto type, resourceTypeOf(object));
    std::string ns = object["metadata"].value("namespace", "");
    std::string name = object["metadata"].value("name", "");
    k8s::ApplyOptions apply;
    apply.force = true;  // floe owns what it renders, even fields someone else touched
    auto applied = client_->apply(type, ns, name, object, apply, stop);
    if (applied.isOk()) continue;
    // A Job's pod template is immutable: a changed one replaces the Job (the bootstrap Job is
    // idempotent, so running it again is harmless). The next pass creates it anew.
    if (object.value("kind", "") == "Job" && applied.status().code() == ErrorCode::kInvalidArgument) {
      k8s::DeleteOptions remove;
      remove.propagationPolicy = "Background";
      (void)client_->remove(type, ns, name, remove, stop);
      spdlog::info("stack replacing changed Job {}/{}", ns, name);
      continue;
    }
    if (object.value("kind", "") == "Secret") {
      // An API server's validation message can quote the offending value: never log it.
      return Status(applied.status().code(), "applying " + describe(object) + " failed (" +
                                                 std::string(errorCodeName(applied.status().code())) +
                                                 "; the server's message is withheld: it may quote a secret)");
    }
    return applied.status().withContext("applying " + describe(object));
  }
  return Status::ok();
}

ObjectReadiness StackDeployer::observeComponent(const ComponentObjects& component, std::stop_token stop) {
  std::vector<std::pair<std::string, ObjectReadiness>> byObject;
  for (const auto& object : component.objects) {
    std::string kind = object.value("kind", "");
    if (!kWorkloadKinds.count(kind) && kind != "HelmChart") continue;  // ready once applied
    auto type = resourceTypeOf(object);
    if (!type.isOk()) continue;
    std::string ns = object["metadata"].value("namespace", "");
    auto live = client_->get(*type, ns, object["metadata"].value("name", ""), "", stop);
    if (!live.isOk()) {
      byObject.push_back({describe(object), {Readiness::kProgressing, live.status().message()}});
      continue;
    }
    ObjectReadiness readiness = evaluateReadiness(*live);
    // k3s's helm controller runs the install as a Job: its outcome is the chart's.
    if (kind == "HelmChart" && readiness.state == Readiness::kProgressing) {
      std::string jobName = (*live)["status"].value("jobName", "");
      auto job = client_->get(k8s::ResourceType{"batch", "v1", "jobs", true}, ns, jobName, "", stop);
      if (job.isOk()) readiness = evaluateReadiness(*job);
    }
    byObject.push_back({describe(object), readiness});
  }
  return combineReadiness(byObject);
}

void StackDeployer::pass(std::stop_token stop, bool rollout) {
  // Every pass reads the cluster, so floe.spark.maxExecutors follows new workers and
  // rebalance rounds within a reconcile interval; unreadable: sized from the inventory.
  std::optional<rebalance::ClusterSnapshot> live;
  if (auto snapshot = rebalance::readClusterSnapshot(*client_, stop); snapshot.isOk()) {
    live = std::move(*snapshot);
  } else {
    spdlog::warn("cluster capacity unreadable, Spark executors sized from the inventory error=\"{}\"",
                 snapshot.status().message());
  }
  auto plan = planStack(store_, options_.source, SecretMode::kValues, clock_, std::move(live));
  if (!plan.isOk()) {
    spdlog::error("stack cannot be rendered error=\"{}\"", plan.status().message());
    recordAll("error", "rendering the manifests failed: " + plan.status().message());
    return;
  }
  auto components = groupByComponent(*plan);
  if (rollout) {  // every component listed from the start, in order, and only those
    std::vector<std::string> names;
    for (const auto& component : components) names.push_back(component.name);
    if (auto forgotten = forgetStackComponentsExcept(store_, names); !forgotten.isOk()) {
      spdlog::warn("cannot forget old stack components error=\"{}\"", forgotten.message());
    }
    for (size_t i = 0; i < components.size(); ++i) {
      if (recorded_.count(components[i].name)) continue;
      record({components[i].name, static_cast<int>(i), componentVersion(components[i].objects), "pending",
              "not applied yet", componentEndpoint(components[i].objects), 0});
    }
  }
  for (size_t i = 0; i < components.size() && !stop.stop_requested(); ++i) {
    const auto& component = components[i];
    StackComponent row{component.name, static_cast<int>(i), componentVersion(component.objects), "",
                       "", componentEndpoint(component.objects), 0};
    if (auto applied = applyComponent(component, stop); !applied.isOk()) {
      row.state = "error";
      row.message = applied.message();
      record(row);
      continue;
    }
    auto started = std::chrono::steady_clock::now();
    auto lastLog = started;
    while (!stop.stop_requested()) {
      ObjectReadiness readiness = observeComponent(component, stop);
      row.state = std::string(readinessName(readiness.state));
      row.message = readiness.message;
      record(row);
      if (!rollout || readiness.state != Readiness::kProgressing) break;
      auto now = std::chrono::steady_clock::now();
      if (now - started >= options_.componentTimeout) {
        spdlog::warn("stack component={} not ready after {}s, continuing detail=\"{}\"", component.name,
                     std::chrono::duration_cast<std::chrono::seconds>(now - started).count(), readiness.message);
        break;
      }
      if (now - lastLog >= kProgressLogEvery) {
        spdlog::info("stack waiting component={} for={}s detail=\"{}\"", component.name,
                     std::chrono::duration_cast<std::chrono::seconds>(now - started).count(), readiness.message);
        lastLog = now;
      }
      sleepFor(options_.pollInterval, stop);
    }
  }
}

void StackDeployer::run(std::stop_token stop) {
  if (!connect(stop)) return;
  spdlog::info("stack deployer rolling out reconcile_interval_ms={}", options_.reconcileInterval.count());
  watchWorkloads();
  pass(stop, true);
  if (!stop.stop_requested()) spdlog::info("stack rollout pass done; reconciling");
  while (waitForNextPass(stop)) pass(stop, false);
}

}  // namespace floe::appliance
