// A kubeconfig file reduced to what one connection needs: the server, how to trust it,
// and how to authenticate. Only certificate and bearer-token users are supported; exec
// and auth-provider plugins would mean running other programs, which floe does not do.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::k8s {

struct KubeConfig {
  std::string sourcePath;   // the file it came from, for messages ("" when parsed from text)
  std::string contextName;
  std::string clusterName;
  std::string userName;
  std::string server;       // e.g. https://127.0.0.1:6443, without a trailing '/'
  std::string defaultNamespace = "default";

  // Trust: the CA bundle (PEM) or, when empty, the system trust store.
  std::string caPem;
  bool insecureSkipTlsVerify = false;

  // Authentication. Secrets: never log these or put them into a message.
  std::string clientCertPem;
  std::string clientKeyPem;
  std::string token;
  std::filesystem::path tokenFile;  // re-read by the transport so rotated tokens work
};

// Parses `text` as a kubeconfig. Relative file names in it (certificate-authority,
// client-certificate, client-key, tokenFile) resolve against `baseDir`, as kubectl does.
// `context` selects a context by name; empty means current-context.
Result<KubeConfig> parseKubeConfig(std::string_view text, const std::filesystem::path& baseDir,
                                   std::string_view context = "");

// Reads and parses a kubeconfig file; relative names resolve against its directory.
Result<KubeConfig> loadKubeConfig(const std::filesystem::path& path, std::string_view context = "");

}  // namespace floe::k8s
