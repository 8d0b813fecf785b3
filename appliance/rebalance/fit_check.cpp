#include "rebalance/fit_check.h"

#include <algorithm>
#include <cstdlib>

namespace floe::appliance::rebalance {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::optional<long long> asInteger(const std::string& text) {
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') return std::nullopt;
  return value;
}

bool termMatches(const NodeSelectorTerm& term, const NodeInfo& node) {
  // An empty term matches nothing (the API's rule), so a term needs one requirement.
  if (term.matchExpressions.empty() && term.matchFields.empty()) return false;
  for (const auto& requirement : term.matchExpressions) {
    if (!requirementMatches(requirement, node.labels)) return false;
  }
  std::map<std::string, std::string> fields{{"metadata.name", node.name}};
  for (const auto& requirement : term.matchFields) {
    if (!requirementMatches(requirement, fields)) return false;
  }
  return true;
}

}  // namespace

bool requirementMatches(const SelectorRequirement& requirement, const std::map<std::string, std::string>& labels) {
  auto it = labels.find(requirement.key);
  bool present = it != labels.end();
  const std::string& op = requirement.op;
  if (op == "In") return present && contains(requirement.values, it->second);
  if (op == "NotIn") return !present || !contains(requirement.values, it->second);
  if (op == "Exists") return present;
  if (op == "DoesNotExist") return !present;
  if (op == "Gt" || op == "Lt") {
    if (!present || requirement.values.size() != 1) return false;
    auto have = asInteger(it->second);
    auto bound = asInteger(requirement.values[0]);
    if (!have || !bound) return false;
    return op == "Gt" ? *have > *bound : *have < *bound;
  }
  return false;  // an operator we do not know: assume it excludes, never over-promise a fit
}

bool labelSelectorMatches(const LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.matchLabels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& requirement : selector.matchExpressions) {
    if (!requirementMatches(requirement, labels)) return false;
  }
  return true;
}

bool keepsPodsOff(const Taint& taint) { return taint.effect == "NoSchedule" || taint.effect == "NoExecute"; }

bool tolerates(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& t) {
    if (!t.effect.empty() && t.effect != taint.effect) return false;
    if (t.op == "Exists") return t.key.empty() || t.key == taint.key;
    return t.key == taint.key && t.value == taint.value;
  });
}

bool nodeAffinityMatches(const PodInfo& pod, const NodeInfo& node) {
  for (const auto& [key, value] : pod.nodeSelector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return pod.requiredNodeAffinity.empty() ||
         std::any_of(pod.requiredNodeAffinity.begin(), pod.requiredNodeAffinity.end(),
                     [&](const NodeSelectorTerm& term) { return termMatches(term, node); });
}

std::optional<std::string> placementBlocker(const PodInfo& pod, const NodeInfo& node) {
  for (const auto& [key, value] : pod.nodeSelector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return "nodeSelector " + key + "=" + value + " does not match";
  }
  if (!pod.requiredNodeAffinity.empty() &&
      std::none_of(pod.requiredNodeAffinity.begin(), pod.requiredNodeAffinity.end(),
                   [&](const NodeSelectorTerm& term) { return termMatches(term, node); })) {
    return std::string("required node affinity does not match");
  }
  for (const auto& taint : node.taints) {
    if (!keepsPodsOff(taint)) continue;
    if (!tolerates(pod.tolerations, taint)) return "taint " + taint.key + "=" + taint.value + ":" + taint.effect + " not tolerated";
  }
  return std::nullopt;
}

std::optional<std::string> resourceBlocker(const PodInfo& pod, const NodeInfo& node, const Resources& requested) {
  const Resources& want = pod.requests;
  const Resources& have = node.allocatable;
  if (want.cpuMillis > 0 && requested.cpuMillis + want.cpuMillis > have.cpuMillis) return std::string("not enough free CPU");
  if (want.memoryBytes > 0 && requested.memoryBytes + want.memoryBytes > have.memoryBytes) {
    return std::string("not enough free memory");
  }
  if (want.gpus > 0 && requested.gpus + want.gpus > have.gpus) return std::string("not enough free GPUs");
  if (have.pods > 0 && requested.pods + 1 > have.pods) return std::string("no free pod slot");
  return std::nullopt;
}

}  // namespace floe::appliance::rebalance
