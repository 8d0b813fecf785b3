// floe: the head node binary. main() only wires; everything lives in floe_appliance.
#include "cli/cli.h"
#include "console/console_assets.h"

int main(int argc, char** argv) {
  return floe::appliance::runFloeCli(argc, argv, floe::appliance::console::embeddedConsoleAssets());
}
