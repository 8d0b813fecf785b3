// Catch2's main, with the library's info logs silenced: tests check behaviour through
// return values, and hundreds of log lines would bury a failure's report.
#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  spdlog::set_level(spdlog::level::warn);
  return Catch::Session().run(argc, argv);
}
