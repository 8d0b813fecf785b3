#include "api/handlers.h"
#include "api/json_io.h"
#include "api/stack_json.h"
#include "deploy/stack_store.h"
#include "deploy/stack_values.h"
#include "lakehouse/spark_defaults.h"
#include "floe/common/time_format.h"

namespace floe::appliance {

nlohmann::json stackJson(ApiContext& ctx, Status& error) {
  std::string deployer = !ctx.cluster ? "disabled (no k3s)" : ctx.cluster->deploysStack() ? "running" : "disabled (--no-stack)";
  auto components = listStackComponents(ctx.store);
  if (!components.isOk()) {
    error = components.status();
    return nullptr;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : *components) {
    list.push_back({{"name", c.name},
                    {"state", c.state},
                    {"version", c.version},
                    {"message", c.message},
                    {"endpoint", c.endpoint},
                    {"updated_at", formatRfc3339(c.updatedAtMillis / 1000)}});
  }
  return {{"deployer", deployer}, {"components", list}};
}

namespace handlers {

http::Response stack(ApiContext& ctx, const http::Request&) {
  Status error = Status::ok();
  auto body = stackJson(ctx, error);
  if (!error.isOk()) return errorResponse(error);
  return http::Response::json(200, body);
}

// The head deploys with the default endpoints (StackEndpoints{}), so these are the
// settings its floe-spark-defaults ConfigMap holds; spark_defaults.h renders both.
http::Response sparkDefaults(ApiContext&, const http::Request&) {
  const lakehouse::LakehouseEndpoints endpoints = StackEndpoints{}.lakehouse;
  Status valid = lakehouse::validateEndpoints(endpoints).withContext("generating Spark settings");
  if (!valid.isOk()) return errorResponse(valid);
  auto properties = lakehouse::sparkProperties(endpoints);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, value] : properties) list.push_back({{"key", key}, {"value", value}});
  return http::Response::json(200, {{"properties", list},
                                    {"conf", lakehouse::renderSparkDefaultsConf(properties)},
                                    {"submit", lakehouse::renderSubmitArguments(properties)}});
}

}  // namespace handlers
}  // namespace floe::appliance
