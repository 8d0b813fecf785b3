#include "agent/cli/inventory_command.h"

#include <sys/stat.h>


#include "agent/inventory/collect_inventory.h"
#include "agent/inventory/inventory_json.h"

namespace floe::agent {

int runInventoryCommand(const InventoryCommandOptions& options, std::ostream& out, std::ostream& err) {
  struct stat info {};
  if (::stat(options.sysroot.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    err << "floe-agent inventory: --sysroot " << options.sysroot
        << " is not a directory: give the root of a captured host tree, or leave it out for this machine\n";
    return 1;
  }
  const Sysroot sysroot(options.sysroot);
  const FilesystemStatsImpl filesystems(sysroot);
  const Inventory inventory = collectInventory(sysroot, filesystems);
  if (options.json) {
    out << inventoryToJson(inventory).dump(2) << "\n";
  } else {
    out << inventoryToText(inventory);
  }
  return 0;
}

}  // namespace floe::agent
