#include <catch2/catch.hpp>

#include "agent/preflight/checks.h"

namespace floe::agent {
namespace {

TEST_CASE("formatBytesFloor: binary units, rounded down to a tenth", "[preflight]") {
  CHECK(formatBytesFloor(0) == "0 bytes");
  CHECK(formatBytesFloor(1) == "1 byte");
  CHECK(formatBytesFloor(1023) == "1023 bytes");
  CHECK(formatBytesFloor(1536) == "1.5 KiB");
  CHECK(formatBytesFloor(512ull << 20) == "512.0 MiB");
  CHECK(formatBytesFloor(20ull << 30) == "20.0 GiB");
  CHECK(formatBytesFloor((20ull << 30) - 1) == "19.9 GiB");
  CHECK(formatBytesFloor(3ull << 40) == "3.0 TiB");
}

TEST_CASE("parseVersionNumbers: leading dotted numbers only", "[preflight]") {
  CHECK(parseVersionNumbers("6.1.0-18-amd64") == std::vector<int>{6, 1, 0});
  CHECK(parseVersionNumbers("5.14.0-362.el9.x86_64") == std::vector<int>{5, 14, 0});
  CHECK(parseVersionNumbers("20.04") == std::vector<int>{20, 4});
  CHECK(parseVersionNumbers("15-SP5") == std::vector<int>{15});
  CHECK(parseVersionNumbers("12") == std::vector<int>{12});
  CHECK(parseVersionNumbers("4.") == std::vector<int>{4});
  CHECK(parseVersionNumbers("").empty());
  CHECK(parseVersionNumbers("jammy").empty());
}

TEST_CASE("versionAtLeast: component-wise, missing components are zero", "[preflight]") {
  CHECK(versionAtLeast({4, 15}, {4, 15}));
  CHECK(versionAtLeast({4, 15, 0}, {4, 15}));
  CHECK(versionAtLeast({5, 0}, {4, 15}));
  CHECK(versionAtLeast({4, 20}, {4, 15}));
  CHECK_FALSE(versionAtLeast({4, 9}, {4, 15}));
  CHECK_FALSE(versionAtLeast({3, 99}, {4, 15}));
  CHECK(versionAtLeast({20, 4}, {20, 4}));
  CHECK_FALSE(versionAtLeast({20}, {20, 4}));
  CHECK(versionAtLeast({11}, {11, 0}));
}

TEST_CASE("isValidDnsName: RFC 1123 names", "[preflight]") {
  CHECK(isValidDnsName("worker-01"));
  CHECK(isValidDnsName("worker-01.rack2.example.com"));
  CHECK(isValidDnsName("1worker"));
  CHECK(isValidDnsName("Worker-01"));  // case is the caller's business
  CHECK(isValidDnsName(std::string(63, 'a')));
  CHECK_FALSE(isValidDnsName(""));
  CHECK_FALSE(isValidDnsName(std::string(64, 'a')));
  CHECK_FALSE(isValidDnsName("worker_01"));
  CHECK_FALSE(isValidDnsName("-worker"));
  CHECK_FALSE(isValidDnsName("worker-"));
  CHECK_FALSE(isValidDnsName("worker..example"));
  CHECK_FALSE(isValidDnsName("worker."));
  CHECK_FALSE(isValidDnsName("wörker"));
  std::string tooLong;
  for (int i = 0; i < 4; ++i) tooLong += std::string(63, 'a') + ".";
  tooLong += "a";  // 257 characters
  CHECK_FALSE(isValidDnsName(tooLong));
}

}  // namespace
}  // namespace floe::agent
