// The API's handlers: plain functions from request to response (no sockets), so
// unit tests call them directly. Authentication is checked before they run (head_api.cpp).
#pragma once

#include "api/api_context.h"
#include "floe/http/message.h"

namespace floe::appliance::handlers {

http::Response healthz(ApiContext& ctx, const http::Request& request);
http::Response readyz(ApiContext& ctx, const http::Request& request);
http::Response metrics(ApiContext& ctx, const http::Request& request);
http::Response cacerts(ApiContext& ctx, const http::Request& request);
http::Response listDownloads(ApiContext& ctx, const http::Request& request);
http::Response download(ApiContext& ctx, const http::Request& request);

http::Response join(ApiContext& ctx, const http::Request& request);
http::Response heartbeat(ApiContext& ctx, const http::Request& request);
http::Response leave(ApiContext& ctx, const http::Request& request);

http::Response status(ApiContext& ctx, const http::Request& request);
http::Response listTokens(ApiContext& ctx, const http::Request& request);
http::Response createToken(ApiContext& ctx, const http::Request& request);
http::Response revokeToken(ApiContext& ctx, const http::Request& request);

http::Response listNodes(ApiContext& ctx, const http::Request& request);
http::Response getNode(ApiContext& ctx, const http::Request& request);
http::Response approveNode(ApiContext& ctx, const http::Request& request);
http::Response removeNode(ApiContext& ctx, const http::Request& request);

http::Response listEvents(ApiContext& ctx, const http::Request& request);

http::Response stack(ApiContext& ctx, const http::Request& request);
// The Spark client settings of the deployed stack, as `floe spark-defaults` prints them.
http::Response sparkDefaults(ApiContext& ctx, const http::Request& request);

http::Response rebalanceStatus(ApiContext& ctx, const http::Request& request);
http::Response startRebalance(ApiContext& ctx, const http::Request& request);
http::Response listRebalanceReports(ApiContext& ctx, const http::Request& request);
http::Response getRebalanceReport(ApiContext& ctx, const http::Request& request);

}  // namespace floe::appliance::handlers
