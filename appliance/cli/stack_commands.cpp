// `floe render`: the stack's objects exactly as the head applies them, secrets shown as
// references. Works from the data directory alone (no running head, no Kubernetes needed).
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>

#include "agent/cli/host_facts.h"
#include "bootstrap/k3s_installation.h"
#include "cli/commands.h"
#include "deploy/stack_plan.h"
#include "rebalance/rebalance_policy.h"
#include "floe/common/clock.h"
#include "floe/common/files.h"

namespace floe::appliance {

Status runRender(const CliContext& ctx, const RenderFlags& flags) {
  if (!std::filesystem::exists(ctx.dataDir.database())) {
    return failedPrecondition(ctx.dataDir.root.string() + " is not an initialised floe data directory; run 'floe init' first");
  }
  FLOE_ASSIGN_OR_RETURN(auto store, Store::open(ctx.dataDir.database()));
  FLOE_ASSIGN_OR_RETURN(auto k3s, bootstrap::loadInstallation(ctx.dataDir.k3sInstallation()));
  StackPlanSource source;
  source.headNodeName = k3s ? k3s->nodeName : "head";
  source.headInventory = agent::hostInventoryJson(agent::collectHostInventory(flags.sysroot));
  // No cluster is read: the Spark executors' ceiling comes from the inventory, with the
  // policy's headroom (deploy/spark_ceiling.h).
  FLOE_ASSIGN_OR_RETURN(source.rebalancePolicy, rebalance::loadRebalancePolicy(ctx.dataDir.configFile()));
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(auto objects, planStack(*store, source, SecretMode::kReference, clock));

  std::map<std::string, std::string> byFile;  // ordered like the apply order
  for (const auto& object : objects) {
    byFile[object.file] += "---\n" + toYaml(object.object);
  }
  if (flags.outDir.empty()) {
    for (const auto& [file, text] : byFile) ctx.out << "# k8s-manifests/" << file << "\n" << text;
    return Status::ok();
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.outDir, ec);
  if (ec) return ioError("creating " + flags.outDir + ": " + ec.message());
  for (const auto& [file, text] : byFile) {
    auto path = std::filesystem::path(flags.outDir) / file;
    FLOE_RETURN_IF_ERROR(writeFileAtomically(path, text,
                                             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                                 std::filesystem::perms::group_read | std::filesystem::perms::others_read)
                             .withContext("writing " + path.string()));
  }
  ctx.out << "wrote " << byFile.size() << " files (" << objects.size() << " objects) to " << flags.outDir << "\n";
  return Status::ok();
}

}  // namespace floe::appliance
