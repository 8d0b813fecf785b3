// Hand-built cluster snapshots for the rebalancer's unit tests.
#pragma once

#include <string>

#include "rebalance/cluster_snapshot.h"

namespace floe::appliance::rebalance::testing {

inline NodeInfo node(std::string name, int64_t cpuMillis, int64_t memoryGiB = 64, int64_t gpus = 0) {
  NodeInfo n;
  n.name = std::move(name);
  n.labels = {{"kubernetes.io/hostname", n.name}};
  n.allocatable = Resources{cpuMillis, memoryGiB << 30, gpus, 110};
  n.ready = true;
  return n;
}

// A ReplicaSet pod of a Deployment: movable by default.
inline PodInfo pod(std::string name, std::string nodeName, int64_t cpuMillis, int64_t memoryGiB = 0,
                   std::string ns = "apps", std::string app = "web") {
  PodInfo p;
  p.ns = std::move(ns);
  p.name = std::move(name);
  p.nodeName = std::move(nodeName);
  p.phase = "Running";
  p.labels = {{"app", app}};
  p.controller = OwnerRef{"ReplicaSet", app + "-rs"};
  p.requests = Resources{cpuMillis, memoryGiB << 30, 0, 1};
  return p;
}

}  // namespace floe::appliance::rebalance::testing
