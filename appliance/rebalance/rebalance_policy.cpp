#include "rebalance/rebalance_policy.h"

#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "floe/common/time_format.h"
#include "rebalance/quantity.h"

namespace floe::appliance::rebalance {
namespace {

// Reads one mapping, refusing keys it does not know (a typo must not silently leave a
// default in place).
class Section {
 public:
  Section(const YAML::Node& node, std::string path, std::string source)
      : node_(node), path_(std::move(path)), source_(std::move(source)) {}

  Status checkKeys(const std::set<std::string>& known) const {
    if (!node_.IsDefined() || node_.IsNull()) return Status::ok();
    if (!node_.IsMap()) return error(path_, "must be a mapping");
    for (const auto& entry : node_) {
      std::string key = entry.first.as<std::string>();
      if (!known.count(key)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        return error(path_ + "." + key, "is not a known setting (known: " + list + ")");
      }
    }
    return Status::ok();
  }

  // A missing section is an invalid ("zombie") node, whose type queries throw: ask
  // IsDefined() first, which never throws.
  YAML::Node child(const std::string& key) const {
    return node_.IsDefined() && node_.IsMap() ? node_[key] : YAML::Node(YAML::NodeType::Undefined);
  }
  std::string pathOf(const std::string& key) const { return path_ + "." + key; }

  Status number(const std::string& key, double& target, double min, double max) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    try {
      double parsed = value.as<double>();
      if (parsed < min || parsed > max) throw YAML::Exception(YAML::Mark(), "range");
      target = parsed;
      return Status::ok();
    } catch (const YAML::Exception&) {
      return error(pathOf(key), "must be a number from " + trim(min) + " to " + trim(max));
    }
  }

  Status integer(const std::string& key, int& target, int min, int max) const {
    double value = target;
    FLOE_RETURN_IF_ERROR(number(key, value, min, max));
    if (value != static_cast<int>(value)) return error(pathOf(key), "must be a whole number");
    target = static_cast<int>(value);
    return Status::ok();
  }

  Status boolean(const std::string& key, bool& target) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    try {
      target = value.as<bool>();
      return Status::ok();
    } catch (const YAML::Exception&) {
      return error(pathOf(key), "must be true or false");
    }
  }

  Status duration(const std::string& key, std::chrono::milliseconds& target) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    auto parsed = parseDuration(value.Scalar());
    if (!value.IsScalar() || !parsed.isOk()) return error(pathOf(key), "must be a duration such as 30s, 10m or 1h");
    target = *parsed;
    return Status::ok();
  }

  Status quantity(const std::string& key, int64_t& target, bool cpu) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    auto parsed = value.IsScalar() ? (cpu ? parseCpuMillis(value.Scalar()) : parseQuantityUnits(value.Scalar()))
                                   : Result<int64_t>(invalidArgument("not a scalar"));
    if (!parsed.isOk() || *parsed <= 0) {
      return error(pathOf(key), std::string("must be a positive Kubernetes quantity such as ") +
                                    (cpu ? "500m or 2" : "512Mi or 4Gi"));
    }
    target = *parsed;
    return Status::ok();
  }

  Status stringList(const std::string& key, std::vector<std::string>& target) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    if (!value.IsSequence()) return error(pathOf(key), "must be a list of names");
    std::vector<std::string> out;
    for (const auto& item : value) {
      if (!item.IsScalar() || item.Scalar().empty()) return error(pathOf(key), "must be a list of names");
      out.push_back(item.Scalar());
    }
    target = std::move(out);
    return Status::ok();
  }

  Status stringMap(const std::string& key, std::map<std::string, std::string>& target) const {
    YAML::Node value = child(key);
    if (!value.IsDefined() || value.IsNull()) return Status::ok();
    if (!value.IsMap()) return error(pathOf(key), "must be a mapping of label names to values");
    std::map<std::string, std::string> out;
    for (const auto& entry : value) {
      if (!entry.second.IsScalar()) return error(pathOf(key), "must be a mapping of label names to values");
      out[entry.first.as<std::string>()] = entry.second.Scalar();
    }
    target = std::move(out);
    return Status::ok();
  }

  Status error(const std::string& path, const std::string& what) const {
    return invalidArgument(source_ + ": " + path + " " + what);
  }

 private:
  static std::string trim(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  YAML::Node node_;
  std::string path_;
  std::string source_;
};

int64_t millis(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

nlohmann::json RebalancePolicy::toJson() const {
  return {{"threshold_percent", thresholdPercent},
          {"max_evictions_per_node", maxEvictionsPerNode},
          {"max_evictions_per_round", maxEvictionsPerRound},
          {"max_planning_passes", maxPlanningPasses},
          {"protected_namespaces", protectedNamespaces},
          {"evict_protected_namespaces", evictProtectedNamespaces},
          {"evict_standalone_pods", evictStandalonePods},
          {"evict_local_storage_pods", evictLocalStoragePods},
          {"evict_pods_with_volume_claims", evictPodsWithVolumeClaims},
          {"node_selector", nodeSelector},
          {"verify_timeout_ms", millis(verifyTimeout)},
          {"steer_with_taint", steerWithTaint},
          {"spark",
           {{"decommission_executors", spark.decommissionExecutors},
            {"executor_cpu_millis", spark.executorCpuMillis},
            {"executor_memory_bytes", spark.executorMemoryBytes},
            {"headroom_percent", spark.headroomPercent}}},
          {"triggers",
           {{"on_node_ready", triggers.onNodeReady},
            {"on_capacity_change", triggers.onCapacityChange},
            {"on_schedule", triggers.onSchedule},
            {"interval_ms", millis(triggers.interval)},
            {"settle_delay_ms", millis(triggers.settleDelay)}}}};
}

Result<RebalancePolicy> parseRebalancePolicy(std::string_view yamlText, std::string_view source) {
  std::string file(source);
  YAML::Node document;
  try {
    document = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    return invalidArgument(file + ": not valid YAML: " + e.what());
  }
  RebalancePolicy policy;
  if (!document.IsDefined() || document.IsNull()) return policy;
  if (!document.IsMap()) return invalidArgument(file + ": must be a mapping of sections (rebalance: ...)");
  Section top(document["rebalance"], "rebalance", file);
  FLOE_RETURN_IF_ERROR(top.checkKeys({"threshold_percent", "max_evictions_per_node", "max_evictions_per_round",
                                      "max_planning_passes", "protected_namespaces", "evict_protected_namespaces",
                                      "evict_standalone_pods", "evict_local_storage_pods",
                                      "evict_pods_with_volume_claims", "node_selector", "verify_timeout",
                                      "steer_with_taint", "spark", "triggers"}));
  FLOE_RETURN_IF_ERROR(top.number("threshold_percent", policy.thresholdPercent, 1, 100));
  FLOE_RETURN_IF_ERROR(top.integer("max_evictions_per_node", policy.maxEvictionsPerNode, 1, 100000));
  FLOE_RETURN_IF_ERROR(top.integer("max_evictions_per_round", policy.maxEvictionsPerRound, 1, 100000));
  FLOE_RETURN_IF_ERROR(top.integer("max_planning_passes", policy.maxPlanningPasses, 1, 100));
  FLOE_RETURN_IF_ERROR(top.stringList("protected_namespaces", policy.protectedNamespaces));
  FLOE_RETURN_IF_ERROR(top.boolean("evict_protected_namespaces", policy.evictProtectedNamespaces));
  FLOE_RETURN_IF_ERROR(top.boolean("evict_standalone_pods", policy.evictStandalonePods));
  FLOE_RETURN_IF_ERROR(top.boolean("evict_local_storage_pods", policy.evictLocalStoragePods));
  FLOE_RETURN_IF_ERROR(top.boolean("evict_pods_with_volume_claims", policy.evictPodsWithVolumeClaims));
  FLOE_RETURN_IF_ERROR(top.stringMap("node_selector", policy.nodeSelector));
  FLOE_RETURN_IF_ERROR(top.duration("verify_timeout", policy.verifyTimeout));
  FLOE_RETURN_IF_ERROR(top.boolean("steer_with_taint", policy.steerWithTaint));

  Section spark(top.child("spark"), "rebalance.spark", file);
  FLOE_RETURN_IF_ERROR(spark.checkKeys({"decommission_executors", "executor_cpu", "executor_memory", "headroom_percent"}));
  FLOE_RETURN_IF_ERROR(spark.boolean("decommission_executors", policy.spark.decommissionExecutors));
  FLOE_RETURN_IF_ERROR(spark.quantity("executor_cpu", policy.spark.executorCpuMillis, true));
  FLOE_RETURN_IF_ERROR(spark.quantity("executor_memory", policy.spark.executorMemoryBytes, false));
  FLOE_RETURN_IF_ERROR(spark.number("headroom_percent", policy.spark.headroomPercent, 0, 90));

  Section triggers(top.child("triggers"), "rebalance.triggers", file);
  FLOE_RETURN_IF_ERROR(triggers.checkKeys({"on_node_ready", "on_capacity_change", "on_schedule", "interval", "settle_delay"}));
  FLOE_RETURN_IF_ERROR(triggers.boolean("on_node_ready", policy.triggers.onNodeReady));
  FLOE_RETURN_IF_ERROR(triggers.boolean("on_capacity_change", policy.triggers.onCapacityChange));
  FLOE_RETURN_IF_ERROR(triggers.boolean("on_schedule", policy.triggers.onSchedule));
  FLOE_RETURN_IF_ERROR(triggers.duration("interval", policy.triggers.interval));
  FLOE_RETURN_IF_ERROR(triggers.duration("settle_delay", policy.triggers.settleDelay));
  if (policy.triggers.interval < std::chrono::minutes(1)) {
    return triggers.error("rebalance.triggers.interval", "must be at least 1m");
  }
  return policy;
}

Result<RebalancePolicy> loadRebalancePolicy(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return RebalancePolicy{};
  std::ifstream in(file);
  if (!in) return ioError("reading " + file.string() + ": cannot open it");
  std::ostringstream text;
  text << in.rdbuf();
  return parseRebalancePolicy(text.str(), file.string());
}

}  // namespace floe::appliance::rebalance
