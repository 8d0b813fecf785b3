#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "agent/preflight/preflight.h"
#include "fake_system_probe.h"

namespace floe::agent {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using testing::FakeSystemProbe;
using testing::healthyInventory;
using testing::kTestGiB;

const CheckResult* findResult(const std::vector<CheckResult>& results, const std::string& id) {
  auto it = std::find_if(results.begin(), results.end(), [&](const CheckResult& r) { return r.id == id; });
  return it == results.end() ? nullptr : &*it;
}

// A machine with a blocking problem (not root, too little memory) and two warnings
// (swap on, unsynchronised clock).
struct SpoiledMachine {
  Inventory inventory = healthyInventory();
  FakeSystemProbe probe;
  SpoiledMachine() {
    probe.euid = 1000;
    probe.time = TimeSyncState{false, 16'000'000};
    inventory.memory.totalBytes = 512ull << 20;
    inventory.memory.swapTotalBytes = kTestGiB;
  }
  std::vector<CheckResult> run() { return runPreflightChecks(PreflightContext{inventory, probe}); }
};

TEST_CASE("runPreflightChecks: every check passes on a healthy machine, in the registry's order",
          "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  const std::vector<CheckResult> results = runPreflightChecks(PreflightContext{inventory, probe});
  const std::vector<std::string> ids = knownCheckIds();
  REQUIRE(results.size() == ids.size());
  for (size_t i = 0; i < results.size(); ++i) {
    INFO(results[i].id << ": " << results[i].observed);
    CHECK(results[i].id == ids[i]);
    CHECK(results[i].result == CheckOutcome::kPass);
    CHECK_FALSE(results[i].observed.empty());
    CHECK(results[i].hint.empty());
  }
  CHECK(blockingFailures(results, {}).empty());
}

TEST_CASE("knownCheckIds: the stable ids and their severities", "[preflight]") {
  // These ids are what users pass to --ignore-check and what the head stores: renaming
  // one is a breaking change.
  const std::map<std::string, Severity> expected = {
      {"root", Severity::kFail},           {"os-supported", Severity::kWarn},
      {"kernel-version", Severity::kFail}, {"architecture", Severity::kFail},
      {"cgroups", Severity::kFail},        {"swap", Severity::kWarn},
      {"kernel-modules", Severity::kFail}, {"sysctl-ip-forward", Severity::kWarn},
      {"port-6443-tcp", Severity::kFail},  {"port-10250-tcp", Severity::kFail},
      {"port-8472-udp", Severity::kFail},  {"time-sync", Severity::kWarn},
      {"hostname", Severity::kFail},       {"disk-space", Severity::kFail},
      {"memory", Severity::kFail},
  };
  const std::vector<std::string> ids = knownCheckIds();
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  CHECK(ids.size() == expected.size());

  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  for (const CheckResult& result : runPreflightChecks(PreflightContext{inventory, probe})) {
    INFO(result.id);
    REQUIRE(expected.count(result.id) == 1);
    CHECK(result.severity == expected.at(result.id));
  }
}

TEST_CASE("runPreflightChecks: a warn-severity check never reports fail", "[preflight]") {
  SpoiledMachine machine;
  machine.inventory.host.osId = "gentoo";
  machine.inventory.kernel.ipForward = false;
  for (const CheckResult& result : machine.run()) {
    INFO(result.id);
    if (result.severity == Severity::kWarn) CHECK(result.result != CheckOutcome::kFail);
  }
}

TEST_CASE("blockingFailures: failed checks block, warnings and ignored ids do not", "[preflight]") {
  SpoiledMachine machine;
  const std::vector<CheckResult> results = machine.run();
  REQUIRE(findResult(results, "swap") != nullptr);
  CHECK(findResult(results, "swap")->result == CheckOutcome::kWarn);
  CHECK(findResult(results, "time-sync")->result == CheckOutcome::kWarn);

  std::vector<CheckResult> blocking = blockingFailures(results, {});
  REQUIRE(blocking.size() == 2);
  CHECK(blocking[0].id == "root");
  CHECK(blocking[1].id == "memory");

  blocking = blockingFailures(results, {"memory"});
  REQUIRE(blocking.size() == 1);
  CHECK(blocking[0].id == "root");

  CHECK(blockingFailures(results, {"root", "memory", "swap"}).empty());
}

TEST_CASE("validateIgnoredIds: known ids are accepted", "[preflight]") {
  CHECK(validateIgnoredIds({}).isOk());
  CHECK(validateIgnoredIds({"swap", "port-6443-tcp", "memory"}).isOk());
  CHECK(validateIgnoredIds(knownCheckIds()).isOk());
}

TEST_CASE("validateIgnoredIds: an unknown id is a usage error listing the valid ids", "[preflight]") {
  Status status = validateIgnoredIds({"swap", "Swap", "port-6443"});
  REQUIRE_FALSE(status.isOk());
  CHECK(status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(status.message(), StartsWith("unknown check ids 'Swap', 'port-6443' given to --ignore-check"));
  for (const std::string& id : knownCheckIds()) CHECK_THAT(status.message(), Contains(id));

  status = validateIgnoredIds({"dns"});
  REQUIRE_FALSE(status.isOk());
  CHECK_THAT(status.message(), StartsWith("unknown check id 'dns' given to --ignore-check; valid ids: root, "));
}

TEST_CASE("checkResultsToJson: an array of {id, severity, result, observed, hint}", "[preflight]") {
  SpoiledMachine machine;
  const std::vector<CheckResult> results = machine.run();
  const nlohmann::json json = checkResultsToJson(results);
  REQUIRE(json.is_array());
  REQUIRE(json.size() == results.size());
  const std::set<std::string> keys = {"id", "severity", "result", "observed", "hint"};
  for (const nlohmann::json& entry : json) {
    REQUIRE(entry.is_object());
    std::set<std::string> have;
    for (const auto& [key, value] : entry.items()) {
      have.insert(key);
      CHECK(value.is_string());
    }
    CHECK(have == keys);
  }
  const nlohmann::json& root = json.at(0);
  CHECK(root.at("id") == "root");
  CHECK(root.at("severity") == "fail");
  CHECK(root.at("result") == "fail");
  CHECK_THAT(root.at("observed").get<std::string>(), Contains("euid 1000"));
  CHECK_THAT(root.at("hint").get<std::string>(), Contains("sudo"));

  const nlohmann::json& swap = json.at(5);
  CHECK(swap.at("id") == "swap");
  CHECK(swap.at("severity") == "warn");
  CHECK(swap.at("result") == "warn");

  const nlohmann::json& kernel = json.at(2);
  CHECK(kernel.at("result") == "pass");
  CHECK(kernel.at("hint") == "");

  CHECK(checkResultsToJson({}) == nlohmann::json::array());
}

TEST_CASE("renderCheckResults: a line per check, hints under warnings and failures", "[preflight]") {
  const std::vector<CheckResult> results = {
      {"root", Severity::kFail, CheckOutcome::kPass, "running as root (euid 0)", ""},
      {"swap", Severity::kWarn, CheckOutcome::kWarn, "swap is on (2.0 GiB, 2.0 GiB free)", "`swapoff -a`"},
      {"disk-space", Severity::kFail, CheckOutcome::kFail, "only 3.0 GiB free", "free space"},
  };
  const std::string text = renderCheckResults(results);
  CHECK(text ==
        "PASS  root        running as root (euid 0)\n"
        "WARN  swap        swap is on (2.0 GiB, 2.0 GiB free)\n"
        "                  hint: `swapoff -a`\n"
        "FAIL  disk-space  only 3.0 GiB free\n"
        "                  hint: free space\n"
        "\n"
        "3 checks: 1 passed, 1 warning, 1 failed\n"
        "A failed check blocks `floe-agent join` unless it is skipped with --ignore-check ID.\n");
}

TEST_CASE("renderCheckResults: a clean run has no hints and no blocking note", "[preflight]") {
  FakeSystemProbe probe;
  const Inventory inventory = healthyInventory();
  const std::string text = renderCheckResults(runPreflightChecks(PreflightContext{inventory, probe}));
  CHECK_THAT(text, Contains("PASS  port-10250-tcp     port 10250/tcp is free"));
  CHECK_THAT(text, !Contains("hint:") && !Contains("--ignore-check"));
  CHECK_THAT(text, Contains("15 checks: 15 passed, 0 warnings, 0 failed\n"));
}

}  // namespace
}  // namespace floe::agent
