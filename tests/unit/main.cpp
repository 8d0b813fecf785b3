// Catch2's main, with the library's logs silenced below errors: tests check behaviour
// through return values, including the failure paths that log warnings, and hundreds of
// log lines would bury a failure's report.
#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  spdlog::set_level(spdlog::level::err);
  return Catch::Session().run(argc, argv);
}
