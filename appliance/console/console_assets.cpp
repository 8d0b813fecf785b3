#include "console/console_assets.h"

#include <array>
#include <utility>

namespace floe::appliance::console {
namespace {

constexpr std::string_view kHashedAssetsPrefix = "assets/";
constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kContentTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
}};

const EmbeddedAsset* findAsset(ConsoleAssets assets, std::string_view path) {
  for (const auto& asset : assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string contentTypeFor(std::string_view path) {
  for (const auto& [extension, type] : kContentTypes) {
    if (endsWith(path, extension)) return std::string(type);
  }
  return "application/octet-stream";
}

void addSecurityHeaders(http::Response& response) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
}

http::Response serveConsoleAsset(ConsoleAssets assets, const http::Request& request) {
  std::string_view path = request.path;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) path = kIndex;
  const EmbeddedAsset* asset = findAsset(assets, path);
  if (!asset) {
    bool looksLikeFile = path.rfind(kHashedAssetsPrefix, 0) == 0 || path.find('.') != std::string_view::npos;
    if (looksLikeFile) return http::Response::error(404, "not_found", "no console file " + request.path);
    asset = findAsset(assets, kIndex);  // a console route: the client-side router shows it
  }
  if (!asset) {
    return http::Response::error(404, "not_found",
                                 "this floe was built without the web console (configure with "
                                 "-DFLOE_BUILD_CONSOLE=ON and node/npm installed)");
  }
  http::Response response;
  response.contentType = contentTypeFor(asset->path);
  std::string etag = "\"" + std::string(asset->sha256.substr(0, 32)) + "\"";
  bool hashed = asset->path.rfind(kHashedAssetsPrefix, 0) == 0;
  response.headers.emplace_back("Cache-Control", std::string(hashed ? kImmutable : kRevalidate));
  response.headers.emplace_back("ETag", etag);
  addSecurityHeaders(response);
  if (request.header("if-none-match") == etag) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.body = std::string(asset->bytes);
  return response;
}

}  // namespace floe::appliance::console
