// Shared helpers for the cluster tests: one client for the test cluster, a namespace
// per test, a transport that records (and can rewrite) requests, and polling.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "floe/k8s/curl_transport.h"
#include "floe/k8s/kube_client.h"
#include "floe/k8s/kubeconfig.h"

namespace floe::k8s::cluster {

inline const KubeConfig& testKubeConfig() {
  static const KubeConfig config = [] {
    const char* path = std::getenv("FLOE_TEST_KUBECONFIG");  // checked by main()
    Result<KubeConfig> loaded = loadKubeConfig(path == nullptr ? "" : path);
    if (!loaded.isOk()) FAIL("cannot load FLOE_TEST_KUBECONFIG: " << loaded.status().toString());
    return std::move(loaded).value();
  }();
  return config;
}

inline std::shared_ptr<Transport> realTransport() {
  static const std::shared_ptr<Transport> transport = makeCurlTransport(testKubeConfig());
  return transport;
}

inline std::shared_ptr<KubeClient> testClient() {
  static const std::shared_ptr<KubeClient> client = std::make_shared<KubeClient>(realTransport());
  return client;
}

inline std::string uniqueName(const std::string& prefix) {
  static std::mt19937_64 random{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string name = prefix + "-";
  for (int i = 0; i < 6; ++i) name.push_back(kDigits[random() % 16]);
  return name;
}

// Polls `ready` every 100 ms until it holds or `timeout` passes.
inline bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

// A namespace of its own for each test, so tests cannot see each other's objects.
class TestNamespace {
 public:
  explicit TestNamespace(const std::string& prefix) : name_(uniqueName(prefix)) {
    Result<nlohmann::json> created = testClient()->create(
        resources::kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
    if (!created.isOk()) FAIL("creating namespace " << name_ << ": " << created.status().toString());
  }
  ~TestNamespace() { (void)testClient()->remove(resources::kNamespaces, "", name_); }
  TestNamespace(const TestNamespace&) = delete;
  TestNamespace& operator=(const TestNamespace&) = delete;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// Passes everything to the real transport, remembering each request; `beforeStream`
// may rewrite a watch request on its way (to simulate what a long disconnection does).
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}

  std::function<void(TransportRequest&)> beforeStream;

  Result<TransportResponse> send(const TransportRequest& request, std::stop_token stop) override {
    record(request);
    return inner_->send(request, stop);
  }

  Result<TransportResponse> stream(const TransportRequest& request, const LineHandler& onLine,
                                   std::stop_token stop) override {
    TransportRequest changed = request;
    if (beforeStream) beforeStream(changed);
    record(changed);
    return inner_->stream(changed, onLine, stop);
  }

  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  void record(const TransportRequest& request) {
    std::lock_guard lock(mutex_);
    targets_.push_back(request.method + " " + request.target);
  }

  std::shared_ptr<Transport> inner_;
  mutable std::mutex mutex_;
  std::vector<std::string> targets_;
};

inline nlohmann::json configMap(const std::string& ns, const std::string& name, nlohmann::json data,
                                nlohmann::json labels = nlohmann::json::object()) {
  nlohmann::json object = {{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", name}, {"namespace", ns}}},
                            {"data", std::move(data)}};
  // An empty labels map would be a field of its own for server-side apply to own.
  if (!labels.empty()) object["metadata"]["labels"] = std::move(labels);
  return object;
}

}  // namespace floe::k8s::cluster
