#include <catch2/catch.hpp>

#include "agent/run/load_sampler.h"

using floe::agent::parseLoadAverage;
using floe::agent::parseMemoryUsedBytes;

TEST_CASE("parseLoadAverage reads the three load averages of /proc/loadavg", "[agent][run]") {
  auto load = parseLoadAverage("0.52 0.58 0.59 3/1170 123456\n");
  CHECK(load["load1"].get<double>() == Approx(0.52));
  CHECK(load["load5"].get<double>() == Approx(0.58));
  CHECK(load["load15"].get<double>() == Approx(0.59));
  CHECK(parseLoadAverage("garbage").empty());
}

TEST_CASE("parseMemoryUsedBytes is MemTotal minus MemAvailable", "[agent][run]") {
  const char* meminfo =
      "MemTotal:       24684084 kB\nMemFree:        20000000 kB\nMemAvailable:   23000000 kB\n";
  auto used = parseMemoryUsedBytes(meminfo);
  REQUIRE(used.has_value());
  CHECK(*used == (24684084ULL - 23000000ULL) * 1024);
  CHECK_FALSE(parseMemoryUsedBytes("MemTotal: 10 kB\n").has_value());
  CHECK_FALSE(parseMemoryUsedBytes("MemTotal: 10 kB\nMemAvailable: 20 kB\n").has_value());
}
