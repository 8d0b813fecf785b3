#include "idle_connections.h"

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "load_stats.h"
#include "wire.h"

namespace floe::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStepTimeout{30};

struct IdleRun {
  const tcp::resolver::results_type& endpoints;
  std::string host;
  asio::ssl::context& tls;
  IdleOptions options;
  std::optional<asio::steady_timer> release;  // cancelled when the hold ends

  int opening = 0, opened = 0, finishedOpening = 0, stillServed = 0, finished = 0;
  std::map<std::string, uint64_t> errors;
  std::vector<uint32_t> openLatenciesUs;
};

awaitable<void> getHealthz(IdleRun& run, TlsStream& stream, beast::flat_buffer& buffer, bool keepAlive) {
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, "/healthz", 11};
  request.set(bhttp::field::host, run.host);
  request.set(bhttp::field::user_agent, "floe-loadgen-idle");
  request.keep_alive(keepAlive);
  beast::get_lowest_layer(stream).expires_after(kStepTimeout);
  co_await bhttp::async_write(stream, request, use_awaitable);
  bhttp::response<bhttp::string_body> response;
  co_await bhttp::async_read(stream, buffer, response, use_awaitable);
  if (response.result_int() != 200) {
    throw boost::system::system_error(
        boost::system::error_code(response.result_int(), boost::system::generic_category()));
  }
}

awaitable<void> idleConnection(IdleRun& run) {
  auto stream = std::make_unique<TlsStream>(co_await asio::this_coro::executor, run.tls);
  beast::flat_buffer buffer;
  std::string phase = "connect";
  auto started = Clock::now();
  try {
    setServerName(stream->native_handle(), run.host);
    stream->set_verify_callback(asio::ssl::host_name_verification(run.host));
    beast::get_lowest_layer(*stream).expires_after(kStepTimeout);
    co_await beast::get_lowest_layer(*stream).async_connect(run.endpoints, use_awaitable);
    phase = "handshake";
    co_await stream->async_handshake(asio::ssl::stream_base::client, use_awaitable);
    phase = "first_request";
    co_await getHealthz(run, *stream, buffer, true);
    ++run.opened;
    run.openLatenciesUs.push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
  } catch (const boost::system::system_error& e) {
    ++run.errors[errorKind(phase, e.code())];
    stream.reset();
  }
  --run.opening;
  ++run.finishedOpening;
  if (stream) {
    beast::get_lowest_layer(*stream).expires_never();
    boost::system::error_code ignored;
    co_await run.release->async_wait(asio::redirect_error(use_awaitable, ignored));
    try {
      phase = "after_idle";
      co_await getHealthz(run, *stream, buffer, false);
      ++run.stillServed;
    } catch (const boost::system::system_error& e) {
      ++run.errors[errorKind(phase, e.code())];
    }
  }
  ++run.finished;
}

awaitable<void> sleepFor(Clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_awaitable);
}

uint64_t errorCount(const IdleRun& run) {
  uint64_t total = 0;
  for (const auto& [kind, count] : run.errors) total += count;
  return total;
}

std::optional<uint64_t> headRss(const IdleOptions& options) {
  if (options.headPid <= 0) return std::nullopt;
  auto sample = sampleProcess(options.headPid);
  return sample ? std::optional<uint64_t>(sample->rssBytes) : std::nullopt;
}

awaitable<void> orchestrate(IdleRun& run, nlohmann::json& report) {
  auto executor = co_await asio::this_coro::executor;
  // Installed first: a signal that arrives while opening ends the hold at once.
  asio::signal_set signals(executor, SIGINT, SIGTERM);
  auto rssBefore = headRss(run.options);
  auto started = Clock::now();
  for (int i = 0; i < run.options.connections; ++i) {
    while (run.opening >= run.options.openConcurrency) co_await sleepFor(std::chrono::milliseconds(1));
    ++run.opening;
    asio::co_spawn(executor, idleConnection(run), asio::detached);
  }
  while (run.finishedOpening < run.options.connections) co_await sleepFor(std::chrono::milliseconds(10));
  double openSeconds = std::chrono::duration<double>(Clock::now() - started).count();
  // Let the head finish its side (the last responses, freed handshake state).
  co_await sleepFor(std::chrono::seconds(1));
  auto rssOpen = headRss(run.options);
  auto openLatency = summarise(run.openLatenciesUs);
  report = {{"connections", run.options.connections},
            {"opened", run.opened},
            {"open_seconds", openSeconds},
            {"open_latency_ms", {{"p50", openLatency.p50Ms}, {"p99", openLatency.p99Ms}, {"max", openLatency.maxMs}}},
            {"errors_while_opening", run.errors},
            {"head_rss_before_bytes", rssBefore ? nlohmann::json(*rssBefore) : nlohmann::json(nullptr)},
            {"head_rss_open_bytes", rssOpen ? nlohmann::json(*rssOpen) : nlohmann::json(nullptr)}};
  if (rssBefore && rssOpen && run.opened > 0) {
    report["head_rss_per_connection_bytes"] =
        (static_cast<double>(*rssOpen) - static_cast<double>(*rssBefore)) / run.opened;
  }
  std::fprintf(stderr, "loadgen: %d/%d idle connections open in %.1f s; errors=%llu\n", run.opened,
               run.options.connections, openSeconds, static_cast<unsigned long long>(errorCount(run)));
  if (!run.options.readyFile.empty()) {
    std::ofstream(run.options.readyFile + ".tmp") << report.dump(2) << "\n";
    std::rename((run.options.readyFile + ".tmp").c_str(), run.options.readyFile.c_str());
  }

  // The hold ends at the signal or after --duration, whichever comes first.
  asio::steady_timer hold(executor, Clock::time_point::max());
  if (run.options.holdSeconds > 0) {
    hold.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(run.options.holdSeconds)));
  }
  signals.async_wait([&hold](boost::system::error_code ec, int) {
    if (!ec) hold.cancel();
  });
  boost::system::error_code ignored;
  co_await hold.async_wait(asio::redirect_error(use_awaitable, ignored));
  run.release->cancel();  // wakes every held connection for its second request
  signals.cancel();
  auto heldUntil = Clock::now();
  while (run.finished < run.options.connections) co_await sleepFor(std::chrono::milliseconds(10));
  report["held_seconds"] = std::chrono::duration<double>(heldUntil - started).count() - openSeconds;
  report["still_served_after_idle"] = run.stillServed;
  report["errors"] = run.errors;
  report["errors_total"] = errorCount(run);
}

}  // namespace

nlohmann::json runIdleConnections(asio::io_context& io, const tcp::resolver::results_type& endpoints,
                                  const std::string& host, asio::ssl::context& tls, const IdleOptions& options) {
  IdleRun run{endpoints, host, tls, options, std::nullopt, 0, 0, 0, 0, 0, {}, {}};
  run.release.emplace(io, Clock::time_point::max());
  run.openLatenciesUs.reserve(static_cast<size_t>(options.connections));
  nlohmann::json report;
  asio::co_spawn(io, orchestrate(run, report), [](std::exception_ptr failure) {
    if (failure) std::rethrow_exception(failure);
  });
  io.run();
  io.restart();
  return report;
}

}  // namespace floe::bench
