// Authenticating a console request: the session cookie, and for state-changing calls
// the CSRF token header. Used by HeadApi next to the admin client certificate check.
#pragma once

#include <optional>
#include <string>

#include "console/session_store.h"
#include "floe/common/status.h"
#include "floe/http/message.h"

namespace floe::appliance::console {

inline constexpr const char* kSessionCookie = "floe_session";
inline constexpr const char* kCsrfHeader = "x-csrf-token";

// The value of cookie `name` in the Cookie header, or "".
std::string cookieValue(const http::Request& request, std::string_view name);

// Any method but GET/HEAD/OPTIONS changes state and needs the CSRF token.
bool isStateChanging(const std::string& method);

// The request's live session, or nullopt without a (valid) cookie.
Result<std::optional<Session>> findSession(SessionStore& sessions, const http::Request& request);

// Set-Cookie values: a session cookie the browser keeps only over HTTPS, never shows to
// scripts and never sends with cross-site requests; and the one that clears it.
std::string sessionCookie(const std::string& id);
std::string clearedSessionCookie();

}  // namespace floe::appliance::console
