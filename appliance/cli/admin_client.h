// The CLI's connection to a running head: HTTPS with the admin client certificate,
// trusting only the cluster CA.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "floe/common/status.h"
#include "floe/http/http_client.h"
#include "head/data_dir.h"

namespace floe::appliance {

class AdminClient {
 public:
  // `serverUrl` empty: read the URL a running `floe serve` wrote into the data dir.
  static Result<AdminClient> connect(const DataDir& dir, std::string serverUrl);
  // For tests: any HttpClient.
  AdminClient(std::unique_ptr<http::HttpClient> client, std::string baseUrl)
      : client_(std::move(client)), baseUrl_(std::move(baseUrl)) {}

  // A non-2xx answer becomes an error carrying the API's message.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json& body = nullptr);
  const std::string& baseUrl() const { return baseUrl_; }

 private:
  std::unique_ptr<http::HttpClient> client_;
  std::string baseUrl_;
};

}  // namespace floe::appliance
