// k8s-manifests/*.yaml, compiled into `floe` at build time (cmake/EmbedManifests.cmake), so
// the head applies and `floe render` prints exactly these without any file beside the binary.
#pragma once

#include <string_view>
#include <vector>

namespace floe::appliance {

struct ManifestFile {
  std::string_view name;  // "20-seaweedfs.yaml": the number is the apply order
  std::string_view text;
};

// In apply order (file name order).
const std::vector<ManifestFile>& embeddedManifests();

}  // namespace floe::appliance
