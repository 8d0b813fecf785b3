#include "floe/http/target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace floe::http {

Status parseTarget(std::string_view target, Request& request) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return invalidArgument("malformed request target");
  boost::urls::url_view url = *parsed;
  request.path = url.path();
  for (auto param : url.params()) {
    request.query[std::string(param.key)] = std::string(param.value);
  }
  return Status::ok();
}

}  // namespace floe::http
