#include "cli/commands.h"
#include "head/head_init.h"

namespace floe::appliance {

Status runInit(const CliContext& ctx, const std::vector<std::string>& advertise) {
  SystemClock clock;
  FLOE_ASSIGN_OR_RETURN(InitReport report, initHead({ctx.dataDir.root, advertise}, clock));
  if (ctx.json) {
    ctx.out << nlohmann::json{{"data_dir", ctx.dataDir.root.string()},
                              {"created", report.created},
                              {"already_initialised", report.alreadyInitialised()},
                              {"advertised", report.advertised},
                              {"ca_sha256", report.caSha256}}
                   .dump(2)
            << "\n";
    return Status::ok();
  }
  if (report.alreadyInitialised()) {
    ctx.out << "floe: " << ctx.dataDir.root.string() << " is already initialised; nothing changed.\n";
    if (!advertise.empty() && advertise != report.advertised) {
      ctx.out << "note: advertised names are fixed at init (kept: ";
      for (size_t i = 0; i < report.advertised.size(); ++i) ctx.out << (i ? ", " : "") << report.advertised[i];
      ctx.out << ").\n";
    }
    return Status::ok();
  }
  ctx.out << "Initialised floe head in " << ctx.dataDir.root.string() << ":\n";
  for (const auto& item : report.created) ctx.out << "  created " << item << "\n";
  ctx.out << "Workers will reach this head as: ";
  for (size_t i = 0; i < report.advertised.size(); ++i) ctx.out << (i ? ", " : "") << report.advertised[i];
  ctx.out << "\nCluster CA SHA-256: " << report.caSha256 << "\n"
          << "Next: floe serve --data-dir " << ctx.dataDir.root.string()
          << "   then: floe token create --data-dir " << ctx.dataDir.root.string() << "\n";
  return Status::ok();
}

Status runServe(const ServeOptions& options) { return serveHead(options); }

}  // namespace floe::appliance
