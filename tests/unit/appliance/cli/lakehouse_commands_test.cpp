#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"

namespace floe::appliance {
namespace {

struct Run {
  Status status;
  std::string out;
};

Run sparkDefaults(const SparkDefaultsFlags& flags, bool json = false) {
  std::ostringstream out;
  CliContext ctx{DataDir("/nonexistent"), "", json, out};
  Status status = runSparkDefaults(ctx, flags);
  return {status, out.str()};
}

TEST_CASE("floe spark-defaults: each format prints the same properties", "[spark-defaults]") {
  SparkDefaultsFlags flags;
  flags.endpoints.catalogUri = "http://127.0.0.1:8181";
  auto conf = sparkDefaults(flags);
  REQUIRE(conf.status.isOk());
  CHECK(conf.out.find("\nspark.sql.catalog.floe.uri http://127.0.0.1:8181\n") != std::string::npos);

  flags.format = "submit";
  auto submit = sparkDefaults(flags);
  REQUIRE(submit.status.isOk());
  CHECK(submit.out.rfind("--conf spark.sql.extensions=", 0) == 0);

  auto json = sparkDefaults(flags, /*json=*/true);
  REQUIRE(json.status.isOk());
  auto object = nlohmann::json::parse(json.out);
  CHECK(object["spark.sql.catalog.floe.uri"] == "http://127.0.0.1:8181");
  // One line per property in both text formats, one key per property in JSON.
  auto lines = [](const std::string& text) { return std::count(text.begin(), text.end(), '\n'); };
  CHECK(lines(submit.out) == static_cast<long>(object.size()));
  CHECK(lines(conf.out) - std::count(conf.out.begin(), conf.out.end(), '#') == static_cast<long>(object.size()));
}

TEST_CASE("floe spark-defaults: bad input prints nothing and says what was wrong", "[spark-defaults]") {
  SparkDefaultsFlags flags;
  flags.endpoints.s3Endpoint = "seaweedfs:8333";
  auto run = sparkDefaults(flags);
  CHECK(run.status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(run.status.message(), Catch::StartsWith("generating Spark settings: S3 endpoint 'seaweedfs:8333'"));
  CHECK(run.out.empty());

  flags = {};
  flags.format = "yaml";
  run = sparkDefaults(flags);
  CHECK_THAT(run.status.message(), Catch::Contains("--format 'yaml' is not conf or submit"));
  CHECK(run.out.empty());
}

}  // namespace
}  // namespace floe::appliance
