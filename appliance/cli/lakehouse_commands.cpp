#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace floe::appliance {

Status runSparkDefaults(const CliContext& ctx, const SparkDefaultsFlags& flags) {
  FLOE_RETURN_IF_ERROR(lakehouse::validateEndpoints(flags.endpoints).withContext("generating Spark settings"));
  auto properties = lakehouse::sparkProperties(flags.endpoints);
  if (ctx.json) {
    auto object = nlohmann::ordered_json::object();
    for (const auto& [key, value] : properties) object[key] = value;
    ctx.out << object.dump(2) << "\n";
  } else if (flags.format == "conf") {
    ctx.out << lakehouse::renderSparkDefaultsConf(properties);
  } else if (flags.format == "submit") {
    ctx.out << lakehouse::renderSubmitArguments(properties);
  } else {
    return invalidArgument("--format '" + flags.format + "' is not conf or submit");
  }
  return Status::ok();
}

}  // namespace floe::appliance
