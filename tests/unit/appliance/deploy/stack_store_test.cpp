#include "deploy/stack_store.h"

#include <catch2/catch.hpp>

#include "../../support/head_state_fixture.h"

namespace floe::appliance {
namespace {

using testing::HeadStateFixture;

TEST_CASE("stack secrets are generated once and kept", "[deploy][store]") {
  HeadStateFixture f;
  auto first = ensureStackSecrets(*f.store, {"postgres.password", "polaris.sparkClientId"}, f.clock);
  REQUIRE(first.isOk());
  CHECK((*first)["postgres.password"].size() == 64);
  CHECK((*first)["polaris.sparkClientId"].size() == 16);
  auto again = ensureStackSecrets(*f.store, {"postgres.password", "s3.accessKey"}, f.clock);
  REQUIRE(again.isOk());
  CHECK((*again)["postgres.password"] == (*first)["postgres.password"]);
  CHECK((*again).size() == 3);
  CHECK((*again)["s3.accessKey"] != (*first)["postgres.password"]);
}

TEST_CASE("stack components are upserted and listed in apply order", "[deploy][store]") {
  HeadStateFixture f;
  REQUIRE(saveStackComponent(*f.store, {"spark-connect", 8, "4.1.0", "progressing", "0/1", "sc://x:15002", 1000}).isOk());
  REQUIRE(saveStackComponent(*f.store, {"namespaces", 0, "0.1.0", "ready", "applied", "", 1000}).isOk());
  REQUIRE(saveStackComponent(*f.store, {"spark-connect", 8, "4.1.0", "ready", "1/1", "sc://x:15002", 2000}).isOk());
  auto listed = listStackComponents(*f.store);
  REQUIRE(listed.isOk());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name == "namespaces");
  CHECK((*listed)[1].state == "ready");
  CHECK((*listed)[1].updatedAtMillis == 2000);

  REQUIRE(forgetStackComponentsExcept(*f.store, {"spark-connect"}).isOk());
  listed = listStackComponents(*f.store);
  REQUIRE(listed.isOk());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == "spark-connect");
}

}  // namespace
}  // namespace floe::appliance
