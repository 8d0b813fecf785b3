// The informer across a kube-apiserver restart: the watch connection drops, connects
// are refused for a while, then it resumes (or relists, if the restarted server's watch
// cache no longer reaches back to its resourceVersion) and keeps the cache current.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "cluster_support.h"
#include "floe/k8s/informer.h"

namespace floe::k8s::cluster {
namespace {

using std::chrono::seconds;

TEST_CASE("cluster: the informer keeps working across an API server restart", "[cluster][informer][restart]") {
  const char* script = std::getenv("FLOE_TEST_CONTROL_PLANE");
  const char* dir = std::getenv("FLOE_TEST_CLUSTER_DIR");
  if (script == nullptr || dir == nullptr) {
    FAIL("this test restarts kube-apiserver: set FLOE_TEST_CONTROL_PLANE (tests/cluster/control-plane.sh) and "
         "FLOE_TEST_CLUSTER_DIR (the DIR given to `up`), or skip it with the tag filter ~[restart]");
  }
  auto client = testClient();
  TestNamespace ns("floe-restart");
  REQUIRE(client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "before", {})).isOk());

  InformerOptions options;
  options.type = resources::kConfigMaps;
  options.ns = ns.name();
  options.maxBackoff = std::chrono::milliseconds(4000);  // keep the test short once the server is back
  Informer informer(client, options, {});
  informer.start();
  REQUIRE(informer.waitForSync(seconds(20)));
  REQUIRE(informer.find(ns.name(), "before").has_value());

  std::string command = std::string("'") + script + "' restart-apiserver '" + dir + "'";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);

  Result<nlohmann::json> created = client->create(resources::kConfigMaps, ns.name(), configMap(ns.name(), "after", {}));
  INFO(created.status().toString());
  REQUIRE(created.isOk());
  CHECK(eventually(seconds(60), [&] { return informer.find(ns.name(), "after").has_value(); }));
  REQUIRE(client->remove(resources::kConfigMaps, ns.name(), "before").isOk());
  CHECK(eventually(seconds(30), [&] { return !informer.find(ns.name(), "before").has_value(); }));

  InformerStats stats = informer.stats();
  INFO("lists=" << stats.lists << " watches=" << stats.watches << " gone=" << stats.gone
                << " reconnects=" << stats.reconnects);
  CHECK(stats.watches >= 2);  // the first watch did not survive the restart
  CHECK(stats.reconnects + stats.gone >= 1);

  auto started = std::chrono::steady_clock::now();
  informer.stop();
  CHECK(std::chrono::steady_clock::now() - started < seconds(1));
}

}  // namespace
}  // namespace floe::k8s::cluster
