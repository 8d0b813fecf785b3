// floe-agent: runs on every worker. main() only wires; everything lives in floe_agent.
#include "agent/cli/agent_cli.h"

int main(int argc, char** argv) { return floe::agent::runAgentCli(argc, argv); }
