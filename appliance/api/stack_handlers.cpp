#include "api/handlers.h"
#include "api/json_io.h"
#include "api/stack_json.h"
#include "deploy/stack_store.h"
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

}  // namespace handlers
}  // namespace floe::appliance
