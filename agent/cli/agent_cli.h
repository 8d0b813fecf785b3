#pragma once

namespace floe::agent {

// The whole `floe-agent` command line. Exit codes: 0 ok, 1 the operation failed, 2 usage error.
int runAgentCli(int argc, char** argv);

}  // namespace floe::agent
