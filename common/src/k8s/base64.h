// Strict standard base64 decoding for the *-data fields of a kubeconfig.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace floe::k8s {

// Decodes standard (RFC 4648, padded) base64, ignoring line breaks as Go's decoder does.
// Returns nothing on any other character or bad padding; the caller words the error,
// because the input may be a secret and must not be echoed.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace floe::k8s
