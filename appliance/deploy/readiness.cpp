#include "deploy/readiness.h"

namespace floe::appliance {
namespace {

using nlohmann::json;

int64_t intAt(const json& object, const char* section, const char* key, int64_t fallback = 0) {
  if (!object.contains(section) || !object[section].is_object()) return fallback;
  const json& value = object[section].value(key, json(fallback));
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

std::string condition(const json& object, std::string_view type) {
  if (!object.contains("status") || !object["status"].contains("conditions")) return "";
  for (const auto& c : object["status"]["conditions"]) {
    if (c.value("type", "") == type) return c.value("status", "");
  }
  return "";
}

bool generationObserved(const json& object) {
  int64_t generation = object["metadata"].value("generation", int64_t{0});
  return intAt(object, "status", "observedGeneration", -1) >= generation;
}

std::string ratio(int64_t ready, int64_t wanted, const char* what) {
  return std::to_string(ready) + "/" + std::to_string(wanted) + " " + what;
}

ObjectReadiness deployment(const json& d) {
  int64_t wanted = intAt(d, "spec", "replicas", 1);
  int64_t available = intAt(d, "status", "availableReplicas");
  int64_t updated = intAt(d, "status", "updatedReplicas");
  std::string message = ratio(available, wanted, "replicas available");
  if (generationObserved(d) && updated >= wanted && available >= wanted && condition(d, "Available") == "True") {
    return {Readiness::kReady, message};
  }
  return {Readiness::kProgressing, message};
}

ObjectReadiness statefulSet(const json& s) {
  int64_t wanted = intAt(s, "spec", "replicas", 1);
  int64_t ready = intAt(s, "status", "readyReplicas");
  int64_t updated = intAt(s, "status", "updatedReplicas");
  std::string message = ratio(ready, wanted, "replicas ready");
  bool ok = generationObserved(s) && ready >= wanted && updated >= wanted;
  return {ok ? Readiness::kReady : Readiness::kProgressing, message};
}

ObjectReadiness daemonSet(const json& d) {
  int64_t desired = intAt(d, "status", "desiredNumberScheduled");
  int64_t ready = intAt(d, "status", "numberReady");
  int64_t updated = intAt(d, "status", "updatedNumberScheduled");
  if (!generationObserved(d)) return {Readiness::kProgressing, "waiting for the DaemonSet controller"};
  if (desired == 0) return {Readiness::kProgressing, "no node matches its placement yet"};
  std::string message = ratio(ready, desired, "nodes ready");
  return {ready >= desired && updated >= desired ? Readiness::kReady : Readiness::kProgressing, message};
}

ObjectReadiness job(const json& j) {
  if (condition(j, "Complete") == "True") return {Readiness::kReady, "completed"};
  if (condition(j, "Failed") == "True") return {Readiness::kFailed, "failed: see its pods' logs"};
  int64_t failed = intAt(j, "status", "failed");
  return {Readiness::kProgressing, failed > 0 ? "running, " + std::to_string(failed) + " failed attempts" : "running"};
}

}  // namespace

std::string_view readinessName(Readiness readiness) {
  switch (readiness) {
    case Readiness::kReady: return "ready";
    case Readiness::kProgressing: return "progressing";
    case Readiness::kSubmitted: return "submitted";
    case Readiness::kFailed: return "failed";
  }
  return "progressing";
}

ObjectReadiness evaluateReadiness(const json& object) {
  std::string kind = object.value("kind", "");
  if (kind == "Deployment") return deployment(object);
  if (kind == "StatefulSet") return statefulSet(object);
  if (kind == "DaemonSet") return daemonSet(object);
  if (kind == "Job") return job(object);
  if (kind == "HelmChart") {
    std::string jobName = object.contains("status") ? object["status"].value("jobName", "") : "";
    if (jobName.empty()) return {Readiness::kSubmitted, "submitted; installed by k3s's helm controller (not seen yet)"};
    return {Readiness::kProgressing, "helm install job " + jobName};
  }
  return {Readiness::kReady, "applied"};
}

}  // namespace floe::appliance
