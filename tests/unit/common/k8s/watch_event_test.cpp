#include "floe/k8s/watch_event.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "floe/k8s/line_splitter.h"

namespace floe::k8s {
namespace {

TEST_CASE("parseWatchEvent: the event types of a real stream", "[k8s][watch]") {
  Result<WatchEvent> added = parseWatchEvent(
      R"({"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"default","resourceVersion":"201"},"data":{"k":"v"}}})");
  REQUIRE(added.isOk());
  CHECK(added->type == WatchEventType::kAdded);
  CHECK(added->resourceVersion() == "201");
  CHECK(added->object["data"]["k"] == "v");

  Result<WatchEvent> bookmark = parseWatchEvent(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"305","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  REQUIRE(bookmark.isOk());
  CHECK(bookmark->type == WatchEventType::kBookmark);
  CHECK(bookmark->resourceVersion() == "305");

  Result<WatchEvent> gone = parseWatchEvent(
      R"J({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (195)","reason":"Expired","code":410}})J");
  REQUIRE(gone.isOk());
  CHECK(gone->type == WatchEventType::kError);
  CHECK(gone->errorCode() == 410);
  CHECK(gone->isGone());
  CHECK(gone->resourceVersion().empty());

  for (auto [name, type] : {std::pair{"MODIFIED", WatchEventType::kModified}, std::pair{"DELETED", WatchEventType::kDeleted}}) {
    Result<WatchEvent> event = parseWatchEvent(std::string(R"({"type":")") + name + R"(","object":{}})");
    REQUIRE(event.isOk());
    CHECK(event->type == type);
    CHECK(watchEventTypeName(type) == name);
    CHECK_FALSE(event->isGone());
  }
}

TEST_CASE("parseWatchEvent: malformed lines", "[k8s][watch]") {
  CHECK_THAT(parseWatchEvent("{\"type\":\"ADDED\",").status().message(), Catch::Contains("not valid JSON"));
  CHECK_THAT(parseWatchEvent("[1,2]").status().message(), Catch::Contains("not a JSON object"));
  CHECK_THAT(parseWatchEvent(R"({"object":{}})").status().message(), Catch::Contains("no type"));
  CHECK_THAT(parseWatchEvent(R"({"type":"ADDED"})").status().message(), Catch::Contains("no object"));
  CHECK_THAT(parseWatchEvent(R"({"type":"RENAMED","object":{}})").status().message(), Catch::Contains("unknown type RENAMED"));
  // The message never carries the object (it may be a Secret).
  CHECK_THAT(parseWatchEvent(R"({"type":"ADDED","object":"hunter2"})").status().message(),
             !Catch::Contains("hunter2"));
}

TEST_CASE("LineSplitter: lines cut across chunks, CRLF, blank keep-alive lines", "[k8s][watch]") {
  LineSplitter splitter(1024);
  std::vector<std::string> lines;
  LineHandler collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  bool stopped = false;
  REQUIRE(splitter.feed("{\"a\":", collect, stopped).isOk());
  CHECK(lines.empty());
  REQUIRE(splitter.feed("1}\n{\"b\"", collect, stopped).isOk());
  REQUIRE(splitter.feed(":2}\r\n\n\n{\"c\":3}\n{\"d\"", collect, stopped).isOk());
  CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  splitter.finish(collect);
  CHECK(lines.back() == "{\"d\"");
  CHECK_FALSE(stopped);
}

TEST_CASE("LineSplitter: stops when the handler says so, refuses overlong lines", "[k8s][watch]") {
  LineSplitter splitter(8);
  int seen = 0;
  LineHandler firstOnly = [&](std::string_view) { return ++seen < 1; };
  bool stopped = false;
  REQUIRE(splitter.feed("one\ntwo\nthree\n", firstOnly, stopped).isOk());
  CHECK(stopped);
  CHECK(seen == 1);

  LineSplitter small(8);
  LineHandler ignore = [](std::string_view) { return true; };
  CHECK(small.feed("0123", ignore, stopped).isOk());
  Status tooLong = small.feed("456789", ignore, stopped);
  CHECK(tooLong.code() == ErrorCode::kResourceExhausted);
  CHECK(LineSplitter(8).feed("0123456789\n", ignore, stopped).code() == ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace floe::k8s
