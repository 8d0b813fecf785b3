// Finding the k3s binary to run: from an airgap bundle (verified against its
// checksums, then installed), an explicit --k3s-binary, or a k3s already installed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/k3s_paths.h"
#include "floe/common/status.h"

namespace floe::bootstrap {

// The airgap bundle's k3s part (see packaging/airgap/README.md):
//   DIR/SHA256SUMS                           sha256sum lines for every file below
//   DIR/k3s/k3s                              the k3s binary
//   DIR/k3s/k3s-airgap-images-<arch>.tar*    images k3s imports at start (optional)
//   DIR/images/*.oci.tar                     the stack's images (the Spark image), which
//                                            k3s imports at start too (optional)
//   DIR/packages/floe-agent*                 agent packages the head offers (optional)
//   DIR/charts/*.tgz                         Helm chart archives for k3s HelmChart objects (optional)
struct AirgapBundle {
  std::filesystem::path root;
  std::filesystem::path k3sBinary;
  std::vector<std::filesystem::path> imageArchives;  // k3s's airgap images and images/*
  std::vector<std::filesystem::path> agentPackages;
  std::vector<std::filesystem::path> charts;
  std::map<std::string, std::string> sha256;  // relative name -> digest, from SHA256SUMS
};

// Verifies every file SHA256SUMS lists before anything from the bundle is used; a file
// in k3s/, images/ or packages/ that is not listed is refused too, so nothing
// unverified gets installed.
Result<AirgapBundle> openAirgapBundle(const std::filesystem::path& dir);

struct K3sLocateOptions {
  std::optional<std::filesystem::path> bundleDir;
  std::optional<std::filesystem::path> binary;
  // Where a bundle's k3s is installed and where an installed k3s is looked for.
  std::filesystem::path installDir = "/usr/local/bin";
  K3sPaths paths;
};

struct K3sBinary {
  std::filesystem::path path;
  std::string source;  // for the user: "airgap bundle /srv/floe-bundle", "--k3s-binary", "installed"
  std::optional<AirgapBundle> bundle;  // the verified bundle it came from, if any
};

// With a bundle: verifies it, installs its k3s into installDir, its image archives into
// paths.imagesDir() and its charts into paths.dataDir/server/static/charts/ (which k3s serves
// as https://%{KUBERNETES_API}%/static/charts/, where HelmChart objects point), each copy
// checked again before it is renamed into place.
// Otherwise --k3s-binary, then installDir/k3s, then $PATH.
Result<K3sBinary> locateK3s(const K3sLocateOptions& options);

// Copies the bundle's agent packages into `dir` (the head's downloads), verifying each
// copy before it is renamed into place; returns their names.
Result<std::vector<std::string>> installAgentPackages(const AirgapBundle& bundle, const std::filesystem::path& dir);

// What locateK3s would find, changing nothing: lets `floe init` refuse a bad bundle or a
// missing k3s before it creates any state.
Status checkK3sAvailable(const K3sLocateOptions& options);

}  // namespace floe::bootstrap
