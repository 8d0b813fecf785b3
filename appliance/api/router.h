// Maps (method, path pattern) to handlers. Patterns use {name} for one path segment:
// /api/v1/nodes/{id}/approve. Unknown paths get 404, known paths with another
// method 405 with an Allow header.
#pragma once

#include <string>
#include <vector>

#include "floe/http/message.h"

namespace floe::appliance {

struct Route {
  std::string method;
  std::string pattern;
  http::Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;  // null when nothing matched
  std::vector<std::string> allowedMethods;  // when the path matched but the method did not
};

class Router {
 public:
  void add(std::string method, std::string pattern, http::Handler handler);
  // Fills request.pathParams on a match.
  RouteMatch match(http::Request& request) const;
  // The route table, for the OpenAPI conformance test.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace floe::appliance
