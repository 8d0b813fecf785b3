#include "cluster/node_controller.h"

#include <spdlog/spdlog.h>

#include <set>

#include "cluster/kube_connection.h"
#include "state/labels.h"

namespace floe::appliance {
namespace {

using nlohmann::json;
namespace resources = k8s::resources;
constexpr std::chrono::milliseconds kConnectRetry{2000};

// Taint keys floe decides: any other taint (cordons, the node lifecycle controller's,
// an admin's) is kept as it is.
bool isManagedTaintKey(const std::string& key) { return key == cluster::kGpuTaintKey; }

cluster::Taint taintFromJson(const json& taint) {
  return {taint.value("key", ""), taint.value("value", ""), taint.value("effect", "")};
}

json taintToJson(const cluster::Taint& taint) {
  json out = {{"key", taint.key}, {"effect", taint.effect}};
  if (!taint.value.empty()) out["value"] = taint.value;
  return out;
}

std::string nodeName(const json& node) { return node["metadata"].value("name", ""); }

std::string readyCondition(const json& node) {
  auto status = node.find("status");
  if (status == node.end() || !status->contains("conditions")) return "";
  for (const auto& condition : (*status)["conditions"]) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "");
  }
  return "";
}

}  // namespace

json nodePatchFor(const json& node, const cluster::NodeLabelling& desired) {
  const json& metadata = node.contains("metadata") ? node["metadata"] : json::object();
  json current = metadata.contains("labels") && metadata["labels"].is_object() ? metadata["labels"] : json::object();
  json labels = json::object();
  for (const auto& [key, value] : desired.labels) {
    if (!current.contains(key) || current[key] != value) labels[key] = value;
  }
  for (const auto& item : current.items()) {
    if (cluster::isHardwareLabelKey(item.key()) && desired.labels.count(item.key()) == 0) labels[item.key()] = nullptr;
  }

  std::vector<cluster::Taint> currentTaints;
  if (node.contains("spec") && node["spec"].contains("taints") && node["spec"]["taints"].is_array()) {
    for (const auto& taint : node["spec"]["taints"]) currentTaints.push_back(taintFromJson(taint));
  }
  std::vector<cluster::Taint> wantedTaints;
  for (const auto& taint : currentTaints) {
    if (!isManagedTaintKey(taint.key)) wantedTaints.push_back(taint);
  }
  wantedTaints.insert(wantedTaints.end(), desired.taints.begin(), desired.taints.end());
  auto asSet = [](const std::vector<cluster::Taint>& taints) {
    std::set<std::string> out;
    for (const auto& taint : taints) out.insert(taint.toString());
    return out;
  };
  bool taintsDiffer = asSet(currentTaints) != asSet(wantedTaints);

  if (labels.empty() && !taintsDiffer) return nullptr;
  json patch = {{"metadata", json::object()}};
  if (!labels.empty()) patch["metadata"]["labels"] = labels;
  if (taintsDiffer) {
    // A merge patch replaces the whole list, so it must not race another writer: the
    // resourceVersion makes the API refuse it (409) if the Node changed meanwhile.
    json list = json::array();
    for (const auto& taint : wantedTaints) list.push_back(taintToJson(taint));
    patch["spec"] = {{"taints", list}};
    patch["metadata"]["resourceVersion"] = metadata.value("resourceVersion", "");
  }
  return patch;
}

NodeController::NodeController(NodeControllerOptions options, NodeRegistry& registry)
    : options_(std::move(options)), registry_(registry) {}

NodeController::~NodeController() { stop(); }

void NodeController::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void NodeController::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake();
  thread_.join();
  if (informer_) informer_->stop();
}

std::optional<KubeNodeView> NodeController::nodeView(const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (!connected_) return std::nullopt;
  auto it = views_.find(name);
  return it == views_.end() ? KubeNodeView{} : it->second;
}

bool NodeController::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

void NodeController::wake() {
  {
    std::lock_guard lock(mutex_);
    dirty_ = true;
  }
  wake_.notify_all();
}

void NodeController::recordView(const json& node, bool deleted) {
  std::lock_guard lock(mutex_);
  if (deleted) {
    views_.erase(nodeName(node));
  } else {
    views_[nodeName(node)] = {readyCondition(node), true};
  }
}

bool NodeController::connect(std::stop_token stop) {
  client_ = waitForKubeApi(options_.kubeconfig, "node controller", kConnectRetry, stop);
  if (!client_) return false;
  k8s::InformerOptions informerOptions;
  informerOptions.type = resources::kNodes;
  k8s::InformerHandlers handlers;
  handlers.onUpsert = [this](const json& node) {
    recordView(node, false);
    {
      std::lock_guard lock(mutex_);
      dirtyNames_.insert(nodeName(node));
    }
    wake();
  };
  handlers.onDelete = [this](const json& node) { recordView(node, true); };
  handlers.onSynced = [this] {
    {
      std::lock_guard lock(mutex_);
      connected_ = true;
    }
    wake();
  };
  informer_ = std::make_unique<k8s::Informer>(client_, informerOptions, handlers);
  informer_->start();
  spdlog::info("node controller watching Nodes kubeconfig={}", options_.kubeconfig.string());
  return true;
}

void NodeController::run(std::stop_token stop) {
  if (!connect(stop)) return;
  auto nextFull = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, options_.resyncInterval, [this] { return dirty_; });
      dirty_ = false;
    }
    if (stop.stop_requested()) break;
    if (!informer_->hasSynced()) continue;
    bool full = std::chrono::steady_clock::now() >= nextFull;
    if (full) nextFull = std::chrono::steady_clock::now() + options_.fullResyncInterval;
    reconcile(full);
  }
}

std::optional<cluster::NodeLabelling> NodeController::desiredFor(const NodeRecord& record) {
  auto cached = desiredById_.find(record.id);
  if (cached == desiredById_.end() || cached->second.inventoryHash != record.inventoryHash) {
    auto detail = registry_.get(record.id);
    if (!detail.isOk()) {
      spdlog::warn("node controller cannot read node id={} error=\"{}\"", record.id, detail.status().message());
      return std::nullopt;
    }
    auto labelling = cluster::labelsFromInventory(detail->inventory, cluster::NodeRole::kWorker);
    cached = desiredById_.insert_or_assign(record.id, Desired{record.inventoryHash, labelling}).first;
  }
  cluster::NodeLabelling desired = cached->second.labelling;
  for (const auto& [key, value] : record.labels) desired.labels[key] = value;
  desired.labels[kNodeIdLabel] = record.id;
  return desired;
}

void NodeController::reconcileNode(const json& node, const std::map<std::string, NodeRecord>& floeByName) {
  std::string name = nodeName(node);
  std::optional<cluster::NodeLabelling> desired;
  if (name == options_.headNodeName) {
    desired = cluster::labelsFromInventory(options_.headInventory, cluster::NodeRole::kHead);
  } else if (auto record = floeByName.find(name); record != floeByName.end()) {
    desired = desiredFor(record->second);
  } else if (node["metadata"].contains("labels") && node["metadata"]["labels"].contains(kNodeIdLabel)) {
    std::string id = node["metadata"]["labels"].value(kNodeIdLabel, "");
    auto removed = client_->remove(resources::kNodes, "", name);
    if (removed.isOk() || removed.code() == ErrorCode::kNotFound) {
      spdlog::info("deleted Kubernetes node of a removed floe node node={} id={}", name, id);
    } else {
      spdlog::warn("cannot delete Kubernetes node node={} error=\"{}\"", name, removed.message());
    }
    return;
  }
  if (!desired) return;
  json patch = nodePatchFor(node, *desired);
  if (patch.is_null()) return;
  auto patched = client_->patch(resources::kNodes, "", name, k8s::PatchType::kMerge, patch);
  if (!patched.isOk()) {
    // A 409 means the Node changed under us; the informer's event brings the next try.
    spdlog::warn("cannot update labels/taints of node={} error=\"{}\"", name, patched.status().message());
    return;
  }
  size_t changed = patch["metadata"].contains("labels") ? patch["metadata"]["labels"].size() : 0;
  spdlog::info("synced node labels node={} labels_changed={} taints_changed={}", name, changed,
               patch.contains("spec"));
}

void NodeController::reconcile(bool full) {
  auto floeNodes = registry_.list();
  if (!floeNodes.isOk()) {
    spdlog::warn("node controller cannot list floe nodes error=\"{}\"", floeNodes.status().message());
    return;
  }
  std::set<std::string> work;
  {
    std::lock_guard lock(mutex_);
    work.swap(dirtyNames_);
  }
  std::map<std::string, NodeRecord> byName;
  std::map<std::string, std::string> fingerprints;
  std::set<std::string> ids;
  for (auto& record : *floeNodes) {
    ids.insert(record.id);
    std::string fingerprint = record.id + "|" + record.inventoryHash + "|" + labelsToJson(record.labels).dump();
    auto previous = fingerprints_.find(record.name);
    if (previous == fingerprints_.end() || previous->second != fingerprint) work.insert(record.name);
    fingerprints.emplace(record.name, std::move(fingerprint));
    byName.emplace(record.name, std::move(record));
  }
  for (const auto& [name, fingerprint] : fingerprints_) {
    if (fingerprints.count(name) == 0) work.insert(name);  // removed or left: its Node goes
  }
  fingerprints_ = std::move(fingerprints);
  std::erase_if(desiredById_, [&](const auto& entry) { return ids.count(entry.first) == 0; });

  if (full) {
    for (const auto& node : informer_->snapshot()) reconcileNode(node, byName);
    return;
  }
  for (const auto& name : work) {
    if (auto node = informer_->find("", name)) reconcileNode(*node, byName);
  }
}

}  // namespace floe::appliance
