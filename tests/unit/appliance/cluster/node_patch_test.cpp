#include <catch2/catch.hpp>

#include "cluster/node_controller.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

cluster::NodeLabelling wanted(std::map<std::string, std::string> labels, std::vector<cluster::Taint> taints = {}) {
  return {std::move(labels), std::move(taints)};
}

json node(json labels, json taints = json::array()) {
  return {{"metadata", {{"name", "w1"}, {"resourceVersion", "42"}, {"labels", labels}}},
          {"spec", {{"taints", taints}}}};
}

TEST_CASE("nodePatchFor: nothing to do when the Node already matches", "[node-controller]") {
  auto current = node({{"floe.io/gpu", "true"}, {"kubernetes.io/hostname", "w1"}},
                      json::array({{{"key", "nvidia.com/gpu"}, {"value", "present"}, {"effect", "NoSchedule"}}}));
  CHECK(nodePatchFor(current, wanted({{"floe.io/gpu", "true"}}, {{"nvidia.com/gpu", "present", "NoSchedule"}}))
            .is_null());
}

TEST_CASE("nodePatchFor: adds, changes and removes only hardware labels", "[node-controller]") {
  auto current = node({{"floe.io/gpu", "true"},
                       {"floe.io/gpu-model", "A100"},
                       {"feature.node.kubernetes.io/cpu-cpuid.AVX512F", "true"},
                       {"team", "analytics"},
                       {"kubernetes.io/hostname", "w1"}});
  auto patch = nodePatchFor(current, wanted({{"floe.io/gpu", "false"}, {"floe.io/memory-gib", "64"}}));
  CHECK(patch["metadata"]["labels"] == json{{"floe.io/gpu", "false"},
                                            {"floe.io/memory-gib", "64"},
                                            {"floe.io/gpu-model", nullptr},
                                            {"feature.node.kubernetes.io/cpu-cpuid.AVX512F", nullptr}});
  CHECK_FALSE(patch.contains("spec"));  // labels only: no resourceVersion needed
  CHECK_FALSE(patch["metadata"].contains("resourceVersion"));
}

TEST_CASE("nodePatchFor: GPU taint added or lifted, other taints kept, guarded by resourceVersion",
          "[node-controller]") {
  json cordon = {{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}};
  auto plain = node(json::object(), json::array({cordon}));
  auto add = nodePatchFor(plain, wanted({}, {{"nvidia.com/gpu", "present", "NoSchedule"}}));
  CHECK(add["spec"]["taints"] ==
        json::array({cordon, {{"key", "nvidia.com/gpu"}, {"effect", "NoSchedule"}, {"value", "present"}}}));
  CHECK(add["metadata"]["resourceVersion"] == "42");

  auto gpu = node(json::object(),
                  json::array({cordon, {{"key", "nvidia.com/gpu"}, {"value", "present"}, {"effect", "NoSchedule"}}}));
  auto lift = nodePatchFor(gpu, wanted({}));
  CHECK(lift["spec"]["taints"] == json::array({cordon}));
}

TEST_CASE("nodePatchFor: a Node without labels or taints yet", "[node-controller]") {
  json bare = {{"metadata", {{"name", "w1"}, {"resourceVersion", "1"}}}};
  auto patch = nodePatchFor(bare, wanted({{"floe.io/role", "worker"}}));
  CHECK(patch["metadata"]["labels"] == json{{"floe.io/role", "worker"}});
}

}  // namespace
}  // namespace floe::appliance
