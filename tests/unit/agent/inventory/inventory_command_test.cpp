#include "agent/cli/inventory_command.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "inventory_test_support.h"

namespace floe::agent {
namespace {

using namespace inventory_testing;
using Catch::Matchers::Contains;

TEST_CASE("floe-agent inventory --json --sysroot prints parseable JSON", "[inventory][cli]") {
  std::ostringstream out;
  std::ostringstream err;
  const int code = runInventoryCommand({.json = true, .sysroot = fixtureRoot("gpu-server")}, out, err);
  CHECK(code == 0);
  CHECK(err.str() == "");
  const auto parsed = nlohmann::json::parse(out.str());
  CHECK(parsed["host"]["hostname"] == "gpu-a100-01");
  CHECK(parsed["gpus"].size() == 5);
}

TEST_CASE("floe-agent inventory prints a summary", "[inventory][cli]") {
  std::ostringstream out;
  std::ostringstream err;
  CHECK(runInventoryCommand({.sysroot = fixtureRoot("two-socket-server")}, out, err) == 0);
  CHECK_THAT(out.str(), Contains("worker-r750-01"));
  CHECK_THAT(out.str(), Contains("looks like a free data disk"));
}

TEST_CASE("floe-agent inventory refuses a sysroot that is not a directory", "[inventory][cli]") {
  std::ostringstream out;
  std::ostringstream err;
  CHECK(runInventoryCommand({.sysroot = "/nonexistent/floe-tree"}, out, err) == 1);
  CHECK(out.str() == "");
  CHECK_THAT(err.str(), Contains("--sysroot /nonexistent/floe-tree is not a directory"));
}

}  // namespace
}  // namespace floe::agent
