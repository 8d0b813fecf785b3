#include <catch2/catch.hpp>

#include "agent/run/retry_gate.h"

using namespace std::chrono_literals;
using floe::FakeClock;
using floe::agent::Backoff;
using floe::agent::RetryGate;

TEST_CASE("RetryGate holds a failing step back for a growing delay", "[agent][run]") {
  FakeClock clock;
  RetryGate gate(clock, Backoff(10s, 40s));
  CHECK(gate.due());

  auto first = gate.failed("k3s binary missing");
  CHECK(first.newReason);
  CHECK(first.retryIn >= 7500ms);
  CHECK(first.retryIn <= 12500ms);
  CHECK_FALSE(gate.due());
  clock.advance(first.retryIn);
  CHECK(gate.due());

  auto second = gate.failed("k3s binary missing");
  CHECK_FALSE(second.newReason);  // the same error again: not worth another error line
  CHECK(second.retryIn >= 15s);
  clock.advance(second.retryIn - 1ms);
  CHECK_FALSE(gate.due());
  clock.advance(1ms);
  CHECK(gate.due());

  auto third = gate.failed("config dir not writable");
  CHECK(third.newReason);
  CHECK(third.retryIn <= 50s);  // capped at the maximum (+25 % jitter)
}

TEST_CASE("RetryGate starts over after a success", "[agent][run]") {
  FakeClock clock;
  RetryGate gate(clock, Backoff(10s, 40s));
  gate.failed("a");
  gate.failed("a");
  gate.succeeded();
  CHECK(gate.due());
  auto again = gate.failed("a");
  CHECK(again.newReason);
  CHECK(again.retryIn <= 12500ms);
}
