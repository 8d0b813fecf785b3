// The console's own API: login, logout, the current session, change password. Every
// other console call goes to the same handlers the CLI uses (api/handlers.h).
#pragma once

#include "api/api_context.h"
#include "floe/http/message.h"

namespace floe::appliance::handlers {

http::Response consoleLogin(ApiContext& ctx, const http::Request& request);
http::Response consoleLogout(ApiContext& ctx, const http::Request& request);
http::Response consoleSession(ApiContext& ctx, const http::Request& request);
http::Response consoleChangePassword(ApiContext& ctx, const http::Request& request);

}  // namespace floe::appliance::handlers
