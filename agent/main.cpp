// floe-agent: runs on every worker. For now only `version`; inventory, preflight
// checks, join and heartbeats come with the agent work (issue 3).
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"floe-agent: joins this machine to a floe cluster"};
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the version")->callback([] { std::cout << "floe-agent " << FLOE_VERSION << "\n"; });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return 0;
}
