#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "agent/run/resident_trim.h"
#include "floe/common/crypto.h"
#include "floe/pki/private_key.h"

namespace {

long residentKilobytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST_CASE("trimResidentCode drops clean code pages and the process keeps working", "[agent][run]") {
  // Touch plenty of library code first, as the agent's start-up does.
  auto key = floe::pki::PrivateKey::generateEcP256();
  REQUIRE(key.isOk());
  std::string before = floe::sha256Hex("floe");
  long rssBefore = residentKilobytes();

  size_t advised = floe::agent::trimResidentCode();
  CHECK(advised > 0);
  CHECK(residentKilobytes() <= rssBefore);

  // Relocations and data survived: library calls still work and give the same answers.
  CHECK(floe::sha256Hex("floe") == before);
  auto again = floe::pki::PrivateKey::generateEcP256();
  REQUIRE(again.isOk());
  CHECK(again->toPem().isOk());
}
