#include "api/join_rate_limiter.h"

#include <catch2/catch.hpp>

#include <chrono>

namespace floe::appliance {
namespace {

using namespace std::chrono_literals;

TEST_CASE("JoinRateLimiter: the limit blocks until the window has passed", "[api][ratelimit]") {
  FakeClock clock;
  JoinRateLimiter limiter(clock, 3, 60s);
  const std::string address = "10.0.0.9";

  CHECK(limiter.retryAfterSeconds(address) == 0);  // never seen
  limiter.recordFailure(address);
  limiter.recordFailure(address);
  CHECK(limiter.retryAfterSeconds(address) == 0);  // below the limit
  limiter.recordFailure(address);

  int64_t wait = limiter.retryAfterSeconds(address);
  CHECK(wait > 0);
  CHECK(wait <= 60);
  CHECK(wait >= 60);

  // Other addresses are not affected.
  CHECK(limiter.retryAfterSeconds("10.0.0.10") == 0);

  clock.advance(30s);
  int64_t later = limiter.retryAfterSeconds(address);
  CHECK(later > 0);
  CHECK(later < wait);
  CHECK(later >= 30);

  clock.advance(29'999ms);
  CHECK(limiter.retryAfterSeconds(address) >= 1);

  clock.advance(1ms);  // 60 s after the failures
  CHECK(limiter.retryAfterSeconds(address) == 0);
}

TEST_CASE("JoinRateLimiter: failures leave the window one by one", "[api][ratelimit]") {
  FakeClock clock;
  JoinRateLimiter limiter(clock, 3, 60s);
  const std::string address = "10.0.0.9";

  limiter.recordFailure(address);  // t = 0
  clock.advance(20s);
  limiter.recordFailure(address);  // t = 20
  clock.advance(20s);
  limiter.recordFailure(address);  // t = 40
  CHECK(limiter.retryAfterSeconds(address) > 0);

  clock.advance(20s);  // t = 60: the first failure has left the window
  CHECK(limiter.retryAfterSeconds(address) == 0);
  limiter.recordFailure(address);  // t = 60: three in the window again
  int64_t wait = limiter.retryAfterSeconds(address);
  CHECK(wait > 0);
  CHECK(wait <= 21);  // until the t = 20 failure leaves
}

TEST_CASE("JoinRateLimiter: the window is configurable", "[api][ratelimit]") {
  FakeClock clock;
  JoinRateLimiter limiter(clock, 1, 10s);
  limiter.recordFailure("a");
  CHECK(limiter.retryAfterSeconds("a") > 0);
  CHECK(limiter.retryAfterSeconds("a") <= 11);
  clock.advance(10s);
  CHECK(limiter.retryAfterSeconds("a") == 0);
}

}  // namespace
}  // namespace floe::appliance
