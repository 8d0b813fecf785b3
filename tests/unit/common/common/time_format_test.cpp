#include "floe/common/time_format.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace floe {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;

TEST_CASE("formatRfc3339: known instants in UTC", "[time]") {
  CHECK(formatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(formatRfc3339(1732415248) == "2024-11-24T02:27:28Z");
  CHECK(formatRfc3339(951782400) == "2000-02-29T00:00:00Z");  // leap day
  CHECK(formatRfc3339(4102444799) == "2099-12-31T23:59:59Z");
  CHECK(formatRfc3339(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("parseDuration: accepts each unit and combinations", "[time]") {
  struct Case {
    const char* text;
    std::chrono::milliseconds expected;
  };
  const Case cases[] = {
      {"90s", 90s},  {"15m", 15min}, {"1h", 1h},   {"1h30m", 90min}, {"24h", 24h},
      {"7d", 168h},  {"500ms", 500ms}, {"0s", 0ms}, {"1m30s", 90s},   {"2h0m5s", 2h + 5s},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto parsed = parseDuration(c.text);
    REQUIRE(parsed.isOk());
    CHECK(parsed->count() == c.expected.count());
  }
}

TEST_CASE("parseDuration: rejects missing numbers, missing or unknown units", "[time]") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"10", "missing unit"},
      {"1h30", "missing unit"},
      {"5x", "unknown unit 'x'"},
      {"5sec", "unknown unit 'sec'"},
      {"h", "expected a number"},
      {"-5s", "expected a number"},
      {" 5s", "expected a number"},
      {"5s ", "expected a number"},
      {"1.5h", "missing unit"},
      {"99999999999s", "number too large"},
  };
  for (const auto& c : cases) {
    INFO("'" << c.text << "'");
    auto parsed = parseDuration(c.text);
    REQUIRE_FALSE(parsed.isOk());
    CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Contains(c.reason));
    // The message quotes the input and shows what would have worked.
    CHECK_THAT(parsed.status().message(), Contains("'" + std::string(c.text) + "'"));
    CHECK_THAT(parsed.status().message(), Contains("examples: 90s"));
  }
}

// Bug: each number is capped at 1e9, but the sum of many segments is not, so the
// int64 millisecond total overflows (undefined behaviour; in practice it wraps to a
// negative or wrong duration instead of an error).
TEST_CASE("parseDuration: a total too large for int64 milliseconds is rejected", "[time]") {
  std::string text;
  for (int i = 0; i < 107; ++i) text += "1000000000d";  // 107 * 8.64e16 ms > INT64_MAX
  auto parsed = parseDuration(text);
  INFO("parsed to " << (parsed.isOk() ? std::to_string(parsed->count()) + " ms" : parsed.status().toString()));
  CHECK_FALSE(parsed.isOk());
}

}  // namespace
}  // namespace floe
