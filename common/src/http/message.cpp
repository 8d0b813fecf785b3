#include "floe/http/message.h"

namespace floe::http {

std::string Request::header(std::string_view lowercaseName) const {
  auto it = headers.find(std::string(lowercaseName));
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::pathParam(std::string_view name) const {
  auto it = pathParams.find(std::string(name));
  return it == pathParams.end() ? std::string() : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  // Invalid UTF-8 that reached a stored field is replaced rather than thrown on.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response Response::text(int status, std::string body, std::string contentType) {
  Response r;
  r.status = status;
  r.contentType = std::move(contentType);
  r.body = std::move(body);
  return r;
}

}  // namespace floe::http
