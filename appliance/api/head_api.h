// The head's HTTP API: routes, who may call each, request metrics and access logs.
#pragma once

#include <optional>

#include "api/api_context.h"
#include "api/router.h"
#include "floe/http/message.h"

namespace floe::appliance {

enum class Access {
  kPublic,  // health, metrics, the CA, join (the token authenticates)
  kNode,    // a node's own client certificate (checked against the URL by the handler)
  kAdmin,   // the admin client certificate written by `floe init`, or a console session
            // (plus its CSRF token for calls that change state)
  kSession,  // a console session only (logout, change password), with its CSRF token
};

class HeadApi {
 public:
  explicit HeadApi(ApiContext context);
  // Routes capture `this`: the object must stay where it was built.
  HeadApi(const HeadApi&) = delete;
  HeadApi& operator=(const HeadApi&) = delete;
  http::Response handle(http::Request request);
  const Router& router() const { return router_; }

 private:
  void add(const char* method, const char* pattern, Access access,
           http::Response (*handler)(ApiContext&, const http::Request&));

  // nullopt when `access` admits the request, else the 401/403 to answer.
  std::optional<http::Response> checkAccess(Access access, const http::Request& request);

  ApiContext ctx_;
  Router router_;
};

// True when the peer presented the admin certificate.
bool isAdmin(const http::PeerIdentity& peer);

}  // namespace floe::appliance
