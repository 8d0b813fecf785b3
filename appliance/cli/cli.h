#pragma once

namespace floe::appliance {

// The whole `floe` command line. Exit codes: 0 ok, 1 the operation failed, 2 usage error.
int runFloeCli(int argc, char** argv);

}  // namespace floe::appliance
