#include "floe/http/target.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace floe::http {
namespace {

Request parsed(std::string_view target) {
  Request request;
  Status status = parseTarget(target, request);
  INFO(target << ": " << status.toString());
  REQUIRE(status.isOk());
  return request;
}

TEST_CASE("parseTarget: splits path and query", "[http]") {
  Request request = parsed("/api/v1/events?limit=5&kind=node.joined");
  CHECK(request.path == "/api/v1/events");
  CHECK(request.query == std::map<std::string, std::string>{{"kind", "node.joined"}, {"limit", "5"}});

  Request bare = parsed("/healthz");
  CHECK(bare.path == "/healthz");
  CHECK(bare.query.empty());

  CHECK(parsed("/").path == "/");
}

TEST_CASE("parseTarget: percent-decodes path and query", "[http]") {
  Request request = parsed("/nodes/a%20b/c%2Bd?q=hello%20world&sym=%26%3D");
  CHECK(request.path == "/nodes/a b/c+d");
  CHECK(request.query.at("q") == "hello world");
  CHECK(request.query.at("sym") == "&=");
}

TEST_CASE("parseTarget: '+' is a space in the query but a plus in the path", "[http]") {
  Request request = parsed("/a+b?q=a+b&plus=a%2Bb");
  CHECK(request.path == "/a+b");
  CHECK(request.query.at("q") == "a b");
  CHECK(request.query.at("plus") == "a+b");
}

TEST_CASE("parseTarget: repeated keys keep the last value; a key without '=' is empty", "[http]") {
  Request request = parsed("/x?node=a&node=b&flag");
  CHECK(request.query.at("node") == "b");
  REQUIRE(request.query.count("flag") == 1);
  CHECK(request.query.at("flag").empty());
}

TEST_CASE("parseTarget: malformed targets are invalid arguments", "[http]") {
  for (std::string_view target : {"", "api/v1/nodes", "http://example.com/x", "*", "/a b", "/bad%zz",
                                  "/bad%2", "/x?q=%G0", "/a#fragment"}) {
    INFO("'" << target << "'");
    Request request;
    Status status = parseTarget(target, request);
    CHECK(status.code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace floe::http
