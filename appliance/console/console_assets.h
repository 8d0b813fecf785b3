// The console's built files (ui/, bundled by Vite), compiled into the floe binary by
// cmake/EmbedConsoleAssets.cmake, and how they are served: a content type per
// extension, immutable caching for Vite's content-hashed /assets/, revalidation for
// index.html, and a Content-Security-Policy without inline scripts.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "floe/http/message.h"

namespace floe::appliance::console {

struct EmbeddedAsset {
  std::string_view path;    // relative to the console root: "index.html", "assets/index-1a2b3c.js"
  std::string_view bytes;
  std::string_view sha256;  // hex, for the ETag
};

using ConsoleAssets = std::span<const EmbeddedAsset>;

// The Content-Security-Policy every console page is served with.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string contentTypeFor(std::string_view path);

// GET of a path outside /api/: the file, or index.html for the console's own
// routes (/nodes/abc), so a reload or a bookmark works. A missing file under /assets/
// is a 404, not index.html, so a stale page fails loudly instead of parsing HTML as JS.
http::Response serveConsoleAsset(ConsoleAssets assets, const http::Request& request);

// Headers every console response carries (pages and the API it calls).
void addSecurityHeaders(http::Response& response);

}  // namespace floe::appliance::console

namespace floe::appliance::console {
// Defined in the source generated at build time (cmake/EmbedConsoleAssets.cmake),
// linked into the floe binary only; unit tests pass their own assets.
ConsoleAssets embeddedConsoleAssets();
}  // namespace floe::appliance::console
