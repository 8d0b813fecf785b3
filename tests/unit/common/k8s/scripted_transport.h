// A Transport that answers from a script, records what it was asked, and (for streams)
// holds the line open until stopped once the script runs out, as an idle watch does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "floe/common/clock.h"
#include "floe/k8s/sleeper.h"
#include "floe/k8s/transport.h"

namespace floe::k8s::testing {

struct ScriptedReply {
  std::optional<Status> failure;  // a transport error instead of a response
  TransportResponse response;
  std::vector<std::string> lines;  // streamed 2xx body, one entry per line
  bool holdOpen = false;           // stream: after the lines, wait until stopped
};

inline ScriptedReply reply(long status, std::string body = "{}", std::map<std::string, std::string> headers = {}) {
  ScriptedReply r;
  r.response.status = status;
  r.response.body = std::move(body);
  r.response.headers = std::move(headers);
  return r;
}

inline ScriptedReply failure(Status status) {
  ScriptedReply r;
  r.failure = std::move(status);
  return r;
}

inline ScriptedReply streamOf(std::vector<std::string> lines, bool holdOpen = false) {
  ScriptedReply r;
  r.response.status = 200;
  r.response.body.clear();
  r.lines = std::move(lines);
  r.holdOpen = holdOpen;
  return r;
}

class ScriptedTransport final : public Transport {
 public:
  void push(ScriptedReply reply) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(reply));
  }

  std::vector<TransportRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Waits until `count` requests were made; false on timeout.
  bool waitForRequests(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

  Result<TransportResponse> send(const TransportRequest& request, std::stop_token) override {
    std::optional<ScriptedReply> next = take(request);
    if (!next) return internalError("scripted transport: unexpected " + request.method + " " + request.target);
    if (next->failure) return *next->failure;
    return next->response;
  }

  Result<TransportResponse> stream(const TransportRequest& request, const LineHandler& onLine,
                                   std::stop_token stop) override {
    std::optional<ScriptedReply> next = take(request);
    if (!next) return waitForStop(stop);  // script exhausted: an idle watch
    if (next->failure) return *next->failure;
    if (next->response.status >= 200 && next->response.status <= 299) {
      for (const auto& line : next->lines) {
        if (!onLine(line)) return next->response;
      }
      if (next->holdOpen) return waitForStop(stop);
    }
    return next->response;
  }

 private:
  std::optional<ScriptedReply> take(const TransportRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    changed_.notify_all();
    if (script_.empty()) return std::nullopt;
    ScriptedReply next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  Result<TransportResponse> waitForStop(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    std::condition_variable_any idle;
    idle.wait(lock, stop, [] { return false; });
    return unavailable("scripted transport: cancelled");
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<ScriptedReply> script_;
  std::vector<TransportRequest> requests_;
};

// Records every wait and moves a fake clock instead of sleeping.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(std::shared_ptr<FakeClock> clock = nullptr) : clock_(std::move(clock)) {}

  bool sleepFor(std::chrono::milliseconds duration, std::stop_token stop) override {
    {
      std::lock_guard lock(mutex_);
      delays_.push_back(duration);
    }
    if (clock_) clock_->advance(duration);
    return !stop.stop_requested();
  }

  std::vector<std::chrono::milliseconds> delays() const {
    std::lock_guard lock(mutex_);
    return delays_;
  }

 private:
  std::shared_ptr<FakeClock> clock_;
  mutable std::mutex mutex_;
  std::vector<std::chrono::milliseconds> delays_;
};

}  // namespace floe::k8s::testing
