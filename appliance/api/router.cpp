#include "api/router.h"

#include <map>

namespace floe::appliance {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool matchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  auto want = splitPath(pattern);
  auto got = splitPath(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) return false;
      found[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(got[i]);
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, http::Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

RouteMatch Router::match(http::Request& request) const {
  RouteMatch result;
  if (request.path.empty() || request.path.front() != '/') return result;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!matchPattern(route.pattern, request.path, params)) continue;
    if (route.method == request.method) {
      request.pathParams = std::move(params);
      result.route = &route;
      return result;
    }
    result.allowedMethods.push_back(route.method);
  }
  return result;
}

}  // namespace floe::appliance
