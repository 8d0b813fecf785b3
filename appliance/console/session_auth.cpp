#include "console/session_auth.h"

namespace floe::appliance::console {

std::string cookieValue(const http::Request& request, std::string_view name) {
  std::string header = request.header("cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return "";
}

bool isStateChanging(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

Result<std::optional<Session>> findSession(SessionStore& sessions, const http::Request& request) {
  std::string id = cookieValue(request, kSessionCookie);
  if (id.empty()) return std::optional<Session>();
  return sessions.find(id);
}

std::string sessionCookie(const std::string& id) {
  return std::string(kSessionCookie) + "=" + id + "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

std::string clearedSessionCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

}  // namespace floe::appliance::console
