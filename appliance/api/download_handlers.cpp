#include <spdlog/spdlog.h>

#include "api/handlers.h"
#include "api/json_io.h"
#include "api/serializers.h"

namespace floe::appliance::handlers {

http::Response listDownloads(ApiContext& ctx, const http::Request&) {
  nlohmann::json files = nlohmann::json::array();
  if (ctx.downloads) {
    auto listed = ctx.downloads->list();
    if (!listed.isOk()) return errorResponse(listed.status());
    for (const auto& file : *listed) files.push_back(downloadToJson(file, ctx.info.serverUrl));
  }
  return http::Response::json(200, {{"files", files}});
}

http::Response download(ApiContext& ctx, const http::Request& request) {
  std::string name = request.pathParam("name");
  if (!ctx.downloads) return http::Response::error(404, "not_found", "this head offers no downloads");
  auto found = ctx.downloads->read(name);
  if (!found.isOk()) {
    if (found.status().code() != ErrorCode::kNotFound) {
      spdlog::warn("download failed file=\"{}\" error=\"{}\"", name, found.status().message());
    }
    return errorResponse(found.status());
  }
  auto& [file, content] = *found;
  http::Response response = http::Response::text(200, std::move(content), file.contentType);
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file.name + "\"");
  // The digest lets a script check the file without a second request.
  response.headers.emplace_back("X-Content-SHA256", file.sha256);
  response.headers.emplace_back("ETag", "\"" + file.sha256 + "\"");
  return response;
}

}  // namespace floe::appliance::handlers
