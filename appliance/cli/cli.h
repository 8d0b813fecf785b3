#pragma once

#include "console/console_assets.h"

namespace floe::appliance {

// The whole `floe` command line. Exit codes: 0 ok, 1 the operation failed, 2 usage error.
// `consoleAssets`: the web console compiled into the binary (main.cpp passes them).
int runFloeCli(int argc, char** argv, console::ConsoleAssets consoleAssets = {});

}  // namespace floe::appliance
