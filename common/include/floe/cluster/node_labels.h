// The Kubernetes labels and taints a node gets from its hardware inventory.
//
// One function, used on both sides: the agent renders them into its k3s config so a
// node registers already labelled, and the head's node controller keeps them in sync
// when an inventory changes. The input is the inventory's wire JSON (see
// agent/inventory/README.md), so the head needs no agent code to compute them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace floe::cluster {

enum class NodeRole { kHead, kWorker };

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule | PreferNoSchedule | NoExecute
  bool operator==(const Taint&) const = default;
  // "key=value:Effect", the form k3s's node-taint option takes.
  std::string toString() const;
};

struct NodeLabelling {
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
};

// Label keys floe owns: everything under these prefixes is ours to add and remove.
inline constexpr std::string_view kFloeLabelPrefix = "floe.io/";
inline constexpr std::string_view kNfdLabelPrefix = "feature.node.kubernetes.io/";
// GPU nodes keep general workloads off unless they tolerate this (NVIDIA's convention).
inline constexpr std::string_view kGpuTaintKey = "nvidia.com/gpu";

// Missing or malformed inventory fields leave their labels out rather than failing:
// a node with odd hardware still joins, just with fewer labels.
NodeLabelling labelsFromInventory(const nlohmann::json& inventory, NodeRole role);

// True for a label key floe computes (floe.io/* and the NFD names), which the node
// controller may therefore remove when the hardware no longer justifies it.
bool isHardwareLabelKey(std::string_view key);

// A label value Kubernetes accepts: at most 63 characters of [A-Za-z0-9._-], starting
// and ending alphanumeric. Anything else becomes '-', ends trimmed.
std::string sanitiseLabelValue(std::string_view text);

}  // namespace floe::cluster
