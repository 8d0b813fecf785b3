#include <catch2/catch.hpp>

#include "rebalance/quantity.h"

namespace floe::appliance::rebalance {
namespace {

TEST_CASE("quantities: CPU in millicores", "[rebalance]") {
  CHECK(*parseCpuMillis("250m") == 250);
  CHECK(*parseCpuMillis("2") == 2000);
  CHECK(*parseCpuMillis("1.5") == 1500);
  CHECK(*parseCpuMillis("0.1") == 100);
  CHECK(*parseCpuMillis("100u") == 1);  // rounded up, as the scheduler does
  CHECK(*parseCpuMillis("1e3") == 1000000);
}

TEST_CASE("quantities: memory and counts in units", "[rebalance]") {
  CHECK(*parseQuantityUnits("4Gi") == 4LL << 30);
  CHECK(*parseQuantityUnits("512Mi") == 512LL << 20);
  CHECK(*parseQuantityUnits("1k") == 1000);
  CHECK(*parseQuantityUnits("1G") == 1000000000);
  CHECK(*parseQuantityUnits("128974848") == 128974848);
  CHECK(*parseQuantityUnits("110") == 110);
  CHECK(*parseQuantityUnits("1056375732Ki") == 1056375732LL * 1024);
}

TEST_CASE("quantities: malformed ones are errors that quote them", "[rebalance]") {
  for (const char* bad : {"", "Gi", "1x", "1.2.3Gi", "-1", "1e", "abc"}) {
    auto parsed = parseQuantityUnits(bad);
    REQUIRE_FALSE(parsed.isOk());
    CHECK_THAT(parsed.status().message(), Catch::Contains("quantity"));
  }
}

}  // namespace
}  // namespace floe::appliance::rebalance
