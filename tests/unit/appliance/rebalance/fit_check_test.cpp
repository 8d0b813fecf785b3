#include <catch2/catch.hpp>

#include "rebalance/fit_check.h"
#include "snapshot_builders.h"

namespace floe::appliance::rebalance {
namespace {

using testing::node;
using testing::pod;

TEST_CASE("fit: resources, including pod slots and GPUs", "[rebalance][fit]") {
  auto n = node("w", 4000, 8, 1);
  auto p = pod("p", "x", 1000, 2);
  CHECK_FALSE(resourceBlocker(p, n, Resources{3000, 6LL << 30, 0, 10}));
  CHECK(resourceBlocker(p, n, Resources{3001, 0, 0, 0}) == "not enough free CPU");
  CHECK(resourceBlocker(p, n, Resources{0, 7LL << 30, 0, 0}) == "not enough free memory");
  CHECK(resourceBlocker(p, n, Resources{0, 0, 0, 110}) == "no free pod slot");
  p.requests.gpus = 1;
  CHECK(resourceBlocker(p, n, Resources{0, 0, 1, 0}) == "not enough free GPUs");
}

TEST_CASE("fit: node selector requirements, every operator", "[rebalance][fit]") {
  std::map<std::string, std::string> labels{{"zone", "a"}, {"cores", "16"}};
  CHECK(requirementMatches({"zone", "In", {"a", "b"}}, labels));
  CHECK_FALSE(requirementMatches({"zone", "In", {"b"}}, labels));
  CHECK(requirementMatches({"zone", "NotIn", {"b"}}, labels));
  CHECK(requirementMatches({"missing", "NotIn", {"b"}}, labels));
  CHECK(requirementMatches({"zone", "Exists", {}}, labels));
  CHECK(requirementMatches({"missing", "DoesNotExist", {}}, labels));
  CHECK(requirementMatches({"cores", "Gt", {"8"}}, labels));
  CHECK_FALSE(requirementMatches({"cores", "Lt", {"8"}}, labels));
  CHECK_FALSE(requirementMatches({"zone", "Gt", {"8"}}, labels));  // not a number
  CHECK_FALSE(requirementMatches({"zone", "Sideways", {"a"}}, labels));
}

TEST_CASE("fit: taints need a matching toleration; PreferNoSchedule is only a preference", "[rebalance][fit]") {
  auto n = node("w", 4000);
  n.taints = {Taint{"dedicated", "spark", "NoSchedule"}, Taint{"soft", "", "PreferNoSchedule"}};
  auto p = pod("p", "x", 100);
  CHECK(placementBlocker(p, n) == "taint dedicated=spark:NoSchedule not tolerated");
  p.tolerations = {Toleration{"dedicated", "Equal", "other", ""}};
  CHECK(placementBlocker(p, n));
  p.tolerations = {Toleration{"dedicated", "Equal", "spark", "NoSchedule"}};
  CHECK_FALSE(placementBlocker(p, n));
  p.tolerations = {Toleration{"", "Exists", "", ""}};  // tolerates everything
  CHECK_FALSE(placementBlocker(p, n));
  p.tolerations = {Toleration{"dedicated", "Exists", "", "NoExecute"}};  // wrong effect
  CHECK(placementBlocker(p, n));
}

TEST_CASE("fit: nodeSelector and required affinity (terms ORed, expressions ANDed)", "[rebalance][fit]") {
  auto n = node("w7", 4000);
  n.labels["zone"] = "a";
  auto p = pod("p", "x", 100);
  p.nodeSelector = {{"zone", "b"}};
  CHECK(placementBlocker(p, n));
  p.nodeSelector = {{"zone", "a"}};
  CHECK_FALSE(placementBlocker(p, n));
  p.requiredNodeAffinity = {NodeSelectorTerm{{{"zone", "In", {"b"}}}, {}},
                            NodeSelectorTerm{{}, {{"metadata.name", "In", {"w7"}}}}};
  CHECK_FALSE(placementBlocker(p, n));
  p.requiredNodeAffinity = {NodeSelectorTerm{{{"zone", "In", {"a"}}, {"gpu", "Exists", {}}}, {}}};
  CHECK(placementBlocker(p, n) == "required node affinity does not match");
  p.requiredNodeAffinity = {NodeSelectorTerm{}};  // an empty term matches nothing
  CHECK(placementBlocker(p, n));
}

}  // namespace
}  // namespace floe::appliance::rebalance
