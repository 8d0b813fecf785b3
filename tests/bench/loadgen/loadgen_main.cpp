// floe-loadgen: simulates N floe agents against a real head, in one process.
//
// Each simulated agent does what floe-agent does on the wire: generates its own EC
// P-256 key, joins with a CSR (POST /api/v1/join, real token, CA pinned), then
// heartbeats over one kept-alive mutual-TLS connection with its own certificate
// every --interval, starting at a random phase so the load is even. Everything runs
// as coroutines on one io_context and one thread, so 10,000 connections fit in one
// process; the generator's own CPU is reported because it shares the machine.
//
// The measured window starts once every agent has finished joining (or given up)
// and lasts --duration; only heartbeats sent inside it count towards req/s and
// latency. Errors are counted over the whole run, by kind.
//
// --idle N instead holds N idle kept-alive TLS connections (idle_connections.h).
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "floe/common/files.h"
#include "floe/pki/certificate.h"
#include "floe/pki/certificate_request.h"
#include "floe/pki/private_key.h"
#include "floe/token/join_token.h"
#include "idle_connections.h"
#include "load_stats.h"
#include "wire.h"

namespace floe::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using Stream = TlsStream;

constexpr std::chrono::seconds kRequestTimeout{10};
constexpr int kJoinAttempts = 5;

struct Options {
  std::string head = "https://127.0.0.1:9443";
  std::string dataDir;
  std::string token;
  std::string caFile;
  int agents = 100;
  double intervalSeconds = 5;
  double durationSeconds = 60;
  double rampPerSecond = 200;
  int headPid = 0;
  std::string jsonOut;
  std::string namePrefix;
  int idle = 0;  // > 0: idle-connection mode (idle_connections.h) instead of agents
  int idleConcurrency = 64;
  std::string readyFile;
};

struct Target {
  std::string host;
  std::string port;
};

Target parseHead(std::string url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) == 0) url = url.substr(scheme.size());
  if (auto slash = url.find('/'); slash != std::string::npos) url.resize(slash);
  size_t colon = url.rfind(':');
  Target target{url, "9443"};
  if (colon != std::string::npos && url.find(']', colon) == std::string::npos) {
    target.host = url.substr(0, colon);
    target.port = url.substr(colon + 1);
  }
  if (target.host.size() >= 2 && target.host.front() == '[') target.host = target.host.substr(1, target.host.size() - 2);
  return target;
}

// Everything the agents share; single-threaded, so no locking.
struct Run {
  Options options;
  Target target;
  tcp::resolver::results_type endpoints;
  std::unique_ptr<ssl::context> tls;  // verifies the head against the cluster CA
  std::string tokenText;
  std::string runId;

  int joinsFinished = 0, joined = 0, connected = 0;
  bool inWindow = false, stopping = false;
  Clock::time_point windowStart, windowEnd;
  std::vector<uint32_t> latenciesUs;
  std::vector<uint32_t> joinLatenciesUs;
  std::map<std::string, uint64_t> errors;
  uint64_t requestsLastSecond = 0, requestsInWindow = 0;

  void error(const std::string& kind) { ++errors[kind]; }
};

awaitable<void> sleepUntil(Clock::time_point when) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(when);
  co_await timer.async_wait(use_awaitable);
}

// Opens a TLS connection; `phase` names errors. Throws system_error.
awaitable<std::unique_ptr<Stream>> connect(Run& run, ssl::context& ctx) {
  auto stream = std::make_unique<Stream>(co_await asio::this_coro::executor, ctx);
  setServerName(stream->native_handle(), run.target.host);
  stream->set_verify_callback(ssl::host_name_verification(run.target.host));
  beast::get_lowest_layer(*stream).expires_after(kRequestTimeout);
  co_await beast::get_lowest_layer(*stream).async_connect(run.endpoints, use_awaitable);
  co_await stream->async_handshake(ssl::stream_base::client, use_awaitable);
  co_return stream;
}

bhttp::request<bhttp::string_body> makeRequest(const Run& run, bhttp::verb verb, const std::string& target,
                                               std::string body, bool keepAlive) {
  bhttp::request<bhttp::string_body> request{verb, target, 11};
  request.set(bhttp::field::host, run.target.host);
  request.set(bhttp::field::user_agent, "floe-loadgen");
  if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.keep_alive(keepAlive);
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

awaitable<bhttp::response<bhttp::string_body>> exchange(Stream& stream, beast::flat_buffer& buffer,
                                                        bhttp::request<bhttp::string_body>& request) {
  beast::get_lowest_layer(stream).expires_after(kRequestTimeout);
  co_await bhttp::async_write(stream, request, use_awaitable);
  bhttp::response<bhttp::string_body> response;
  co_await bhttp::async_read(stream, buffer, response, use_awaitable);
  co_return response;
}

// One request on its own connection (setup calls and joins).
awaitable<bhttp::response<bhttp::string_body>> oneShot(Run& run, ssl::context& ctx, bhttp::verb verb,
                                                       const std::string& target, std::string body) {
  auto stream = co_await connect(run, ctx);
  auto request = makeRequest(run, verb, target, std::move(body), false);
  beast::flat_buffer buffer;
  auto response = co_await exchange(*stream, buffer, request);
  beast::error_code ignored;
  beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return response;
}

struct Identity {
  std::string nodeId;
  pki::PrivateKey key;
  pki::Certificate certificate;
};

awaitable<std::optional<Identity>> joinAgent(Run& run, int index) {
  std::string name = run.options.namePrefix + "-" + run.runId + "-" + std::to_string(index);
  auto key = pki::PrivateKey::generateEcP256();
  if (!key.isOk()) { run.error("keygen"); co_return std::nullopt; }
  auto csr = pki::CertificateRequest::create(*key, name);
  auto csrPem = csr.isOk() ? csr->toPem() : Result<std::string>(csr.status());
  if (!csrPem.isOk()) { run.error("csr"); co_return std::nullopt; }
  std::string body = nlohmann::json{{"token", run.tokenText},
                                    {"csr", *csrPem},
                                    {"machine_id", "loadgen-" + run.runId + "-" + std::to_string(index)},
                                    {"name", name},
                                    {"labels", {{"floe.io/loadgen", "true"}}}}
                         .dump();
  for (int attempt = 1; attempt <= kJoinAttempts; ++attempt) {
    std::string failure;
    auto started = Clock::now();
    try {
      auto response = co_await oneShot(run, *run.tls, bhttp::verb::post, "/api/v1/join", body);
      if (response.result_int() == 200) {
        auto answer = nlohmann::json::parse(response.body(), nullptr, false);
        auto certificate = pki::Certificate::fromPem(answer.value("certificate", ""));
        if (!certificate.isOk()) {
          run.error("join_bad_certificate");
          co_return std::nullopt;
        }
        run.joinLatenciesUs.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
        co_return Identity{answer.value("node_id", ""), std::move(*key), std::move(*certificate)};
      }
      failure = "join_http_" + std::to_string(response.result_int());
    } catch (const boost::system::system_error& e) {
      failure = errorKind("join", e.code());
    }
    run.error(failure);
    co_await sleepUntil(Clock::now() + std::chrono::seconds(attempt));
  }
  co_return std::nullopt;
}

awaitable<void> agent(Run& run, int index) {
  auto identity = co_await joinAgent(run, index);
  ++run.joinsFinished;
  if (!identity) co_return;
  ++run.joined;

  std::mt19937 random(static_cast<unsigned>(index) * 2654435761u);
  auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.options.intervalSeconds));
  auto next = Clock::now() + Clock::duration(std::uniform_int_distribution<Clock::rep>(0, interval.count() - 1)(random));
  std::string target = "/api/v1/agents/" + identity->nodeId + "/heartbeat";
  std::string body = nlohmann::json{{"status", "ok"},
                                    {"load", {{"load1", 0.42}, {"cpu_percent", 7.5}, {"memory_used_percent", 31.0}}},
                                    {"k3s", {{"state", "running"}}},
                                    {"inventory_hash", ""}}
                         .dump();
  // The node's own key and certificate on a context shared by all agents.
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buffer;
  bool wasConnected = false;
  while (!run.stopping) {
    co_await sleepUntil(next);
    next += interval;
    if (run.stopping) break;
    std::string phase = "connect";
    try {
      if (!stream) {
        stream = std::make_unique<Stream>(co_await asio::this_coro::executor, *run.tls);
        SSL* ssl = stream->native_handle();
        if (SSL_use_certificate(ssl, identity->certificate.get()) != 1 ||
            SSL_use_PrivateKey(ssl, identity->key.get()) != 1) {
          run.error("client_certificate");
          co_return;
        }
        setServerName(ssl, run.target.host);
        stream->set_verify_callback(ssl::host_name_verification(run.target.host));
        beast::get_lowest_layer(*stream).expires_after(kRequestTimeout);
        co_await beast::get_lowest_layer(*stream).async_connect(run.endpoints, use_awaitable);
        phase = "handshake";
        co_await stream->async_handshake(ssl::stream_base::client, use_awaitable);
        buffer.clear();
        if (!wasConnected) { wasConnected = true; ++run.connected; }
      }
      phase = "heartbeat";
      auto request = makeRequest(run, bhttp::verb::post, target, body, true);
      auto started = Clock::now();
      auto response = co_await exchange(*stream, buffer, request);
      auto elapsed = Clock::now() - started;
      bool counted = run.inWindow && started >= run.windowStart;
      if (counted) {
        run.latenciesUs.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
        ++run.requestsInWindow;
      }
      ++run.requestsLastSecond;
      if (response.result_int() != 200) {
        run.error("heartbeat_http_" + std::to_string(response.result_int()));
        if (response.result_int() == 404 || response.result_int() == 403) co_return;  // node gone
      }
      if (!response.keep_alive()) {
        run.error("heartbeat_not_kept_alive");
        stream.reset();
      }
    } catch (const boost::system::system_error& e) {
      run.error(errorKind(phase, e.code()));
      stream.reset();
    }
    // Fell behind (a slow head): skip the missed slots instead of bursting.
    while (next < Clock::now()) next += interval;
  }
}

awaitable<void> spawnAgents(Run& run) {
  auto start = Clock::now();
  auto executor = co_await asio::this_coro::executor;
  for (int i = 0; i < run.options.agents; ++i) {
    auto at = start + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(i / run.options.rampPerSecond));
    if (at > Clock::now()) co_await sleepUntil(at);
    asio::co_spawn(executor, agent(run, i), asio::detached);
  }
}

struct HeadUsage {
  std::optional<ProcessSample> atStart, atEnd;
  uint64_t rssMax = 0;
  bool lost = false;
};

// Waits for every join to finish, runs the window, samples the head once a second and
// prints progress to stderr.
awaitable<void> control(Run& run, HeadUsage& usage) {
  auto startedAt = Clock::now();
  auto lastPrint = startedAt;
  while (true) {
    co_await sleepUntil(Clock::now() + std::chrono::seconds(1));
    auto now = Clock::now();
    if (run.options.headPid > 0) {
      auto sample = sampleProcess(run.options.headPid);
      if (!sample) {
        usage.lost = true;
      } else if (run.inWindow) {
        usage.rssMax = std::max(usage.rssMax, sample->rssBytes);
      }
    }
    if (!run.inWindow && run.joinsFinished == run.options.agents) {
      // Let the last agents open their heartbeat connections (at most one interval).
      co_await sleepUntil(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(run.options.intervalSeconds)));
      run.inWindow = true;
      run.windowStart = Clock::now();
      if (run.options.headPid > 0) usage.atStart = sampleProcess(run.options.headPid);
      std::fprintf(stderr, "loadgen: %d/%d joined in %.1f s; measuring for %.0f s\n", run.joined,
                   run.options.agents, std::chrono::duration<double>(run.windowStart - startedAt).count(),
                   run.options.durationSeconds);
    }
    if (now - lastPrint >= std::chrono::seconds(5)) {
      uint64_t errors = 0;
      for (const auto& [kind, count] : run.errors) errors += count;
      std::fprintf(stderr, "loadgen: t=%.0fs joined=%d connected=%d req/s(last)=%.0f errors=%llu%s\n",
                   std::chrono::duration<double>(now - startedAt).count(), run.joined, run.connected,
                   static_cast<double>(run.requestsLastSecond) / std::chrono::duration<double>(now - lastPrint).count(),
                   static_cast<unsigned long long>(errors), run.inWindow ? " (measuring)" : "");
      run.requestsLastSecond = 0;
      lastPrint = now;
    }
    if (run.inWindow && now - run.windowStart >= std::chrono::duration<double>(run.options.durationSeconds)) {
      run.windowEnd = now;
      if (run.options.headPid > 0) usage.atEnd = sampleProcess(run.options.headPid);
      run.stopping = true;
      co_return;
    }
  }
}

void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Status useAdminCertificate(ssl::context& ctx, const std::string& dataDir) {
  FLOE_ASSIGN_OR_RETURN(std::string adminCert, readFile(dataDir + "/pki/admin.crt"));
  FLOE_ASSIGN_OR_RETURN(std::string adminKey, readFile(dataDir + "/pki/admin.key"));
  boost::system::error_code ec;
  ctx.use_certificate_chain(asio::buffer(adminCert), ec);
  if (!ec) ctx.use_private_key(asio::buffer(adminKey), ssl::context::pem, ec);
  if (ec) return invalidArgument("admin certificate in " + dataDir + "/pki: " + ec.message());
  return Status::ok();
}

// Reads the CA (and, without --token, creates a token with the admin certificate).
Status prepare(asio::io_context& io, Run& run) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  run.endpoints = resolver.resolve(run.target.host, run.target.port, ec);
  if (ec) return unavailable("resolving " + run.target.host + ": " + ec.message());

  std::string caPem;
  std::string caFile = run.options.caFile;
  if (caFile.empty() && !run.options.dataDir.empty()) caFile = run.options.dataDir + "/pki/ca.crt";
  if (!caFile.empty()) {
    FLOE_ASSIGN_OR_RETURN(caPem, readFile(caFile));
  } else {
    // No CA at hand: fetch it unverified and pin it against the token, as floe-agent does.
    FLOE_ASSIGN_OR_RETURN(token::JoinToken parsed, token::parseJoinToken(run.options.token));
    ssl::context insecure(ssl::context::tls_client);
    insecure.set_verify_mode(ssl::verify_none);
    auto fetched = asio::co_spawn(io, oneShot(run, insecure, bhttp::verb::get, "/cacerts", ""), asio::use_future);
    io.run();
    io.restart();
    try {
      caPem = fetched.get().body();
    } catch (const std::exception& e) {
      return unavailable(std::string("fetching the CA from /cacerts: ") + e.what());
    }
    FLOE_ASSIGN_OR_RETURN(auto ca, pki::Certificate::fromPem(caPem));
    if (ca.derSha256Hex() != parsed.caSha256) {
      return permissionDenied("the head's CA (sha256 " + ca.derSha256Hex() + ") does not match the token's pin " +
                              parsed.caSha256);
    }
  }
  run.tls = std::make_unique<ssl::context>(ssl::context::tls_client);
  run.tls->set_verify_mode(ssl::verify_peer);
  // 10,000 idle connections would otherwise hold ~34 KB of TLS buffers each.
  SSL_CTX_set_mode(run.tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  run.tls->add_certificate_authority(asio::buffer(caPem), ec);
  if (ec) return invalidArgument("CA certificate: " + ec.message());

  if (run.options.idle > 0) {
    // Idle connections present the admin certificate when there is one, so the head
    // holds a verified client certificate per connection as it does for agents.
    if (run.options.dataDir.empty()) return Status::ok();
    return useAdminCertificate(*run.tls, run.options.dataDir);
  }
  if (!run.options.token.empty()) {
    run.tokenText = run.options.token;
    return Status::ok();
  }
  if (run.options.dataDir.empty()) return invalidArgument("give --token, or --data-dir to create one");
  ssl::context admin(ssl::context::tls_client);
  admin.set_verify_mode(ssl::verify_peer);
  admin.add_certificate_authority(asio::buffer(caPem), ec);
  if (ec) return invalidArgument("CA certificate: " + ec.message());
  FLOE_RETURN_IF_ERROR(useAdminCertificate(admin, run.options.dataDir));
  std::string body = nlohmann::json{{"ttl_seconds", 86400}, {"description", "floe-loadgen " + run.runId}}.dump();
  auto created = asio::co_spawn(io, oneShot(run, admin, bhttp::verb::post, "/api/v1/tokens", body), asio::use_future);
  io.run();
  io.restart();
  try {
    auto response = created.get();
    if (response.result_int() != 201) {
      return unavailable("creating a join token: HTTP " + std::to_string(response.result_int()) + ": " +
                         response.body());
    }
    run.tokenText = nlohmann::json::parse(response.body()).at("secret").get<std::string>();
  } catch (const std::exception& e) {
    return unavailable(std::string("creating a join token: ") + e.what());
  }
  return Status::ok();
}

nlohmann::json report(Run& run, const HeadUsage& usage, double loadgenCpuSeconds) {
  double window = std::chrono::duration<double>(run.windowEnd - run.windowStart).count();
  auto latency = summarise(run.latenciesUs);
  auto joins = summarise(run.joinLatenciesUs);
  uint64_t errorsTotal = 0;
  for (const auto& [kind, count] : run.errors) errorsTotal += count;
  nlohmann::json head = nullptr;
  if (usage.atStart && usage.atEnd) {
    double cpuSeconds = static_cast<double>(usage.atEnd->cpuTicks - usage.atStart->cpuTicks) /
                        static_cast<double>(ticksPerSecond());
    head = {{"pid", run.options.headPid},
            {"rss_max_bytes", std::max(usage.rssMax, usage.atEnd->rssBytes)},
            {"rss_end_bytes", usage.atEnd->rssBytes},
            {"rss_peak_since_start_bytes", usage.atEnd->hwmBytes},
            {"cpu_seconds", cpuSeconds},
            {"cpu_percent_of_one_core", window > 0 ? 100.0 * cpuSeconds / window : 0.0}};
  }
  return {{"agents", run.options.agents},
          {"joined", run.joined},
          {"connected", run.connected},
          {"interval_seconds", run.options.intervalSeconds},
          {"window_seconds", window},
          {"requests", latency.count},
          {"requests_per_second", window > 0 ? static_cast<double>(latency.count) / window : 0.0},
          {"expected_requests_per_second", run.options.agents / run.options.intervalSeconds},
          {"latency_ms", {{"p50", latency.p50Ms}, {"p99", latency.p99Ms}, {"max", latency.maxMs}, {"mean", latency.meanMs}}},
          {"join_latency_ms", {{"count", joins.count}, {"p50", joins.p50Ms}, {"p99", joins.p99Ms}, {"max", joins.maxMs}}},
          {"errors", run.errors},
          {"errors_total", errorsTotal},
          {"head", head},
          {"head_exited", usage.lost},
          {"loadgen_cpu_seconds", loadgenCpuSeconds}};
}

int writeReport(const nlohmann::json& result, const std::string& jsonOut) {
  std::cout << result.dump(2) << "\n";
  if (!jsonOut.empty()) {
    std::ofstream out(jsonOut);
    out << result.dump(2) << "\n";
    if (!out) {
      std::cerr << "floe-loadgen: cannot write " << jsonOut << "\n";
      return 1;
    }
  }
  return 0;
}

int runIdleMode(asio::io_context& io, Run& run) {
  IdleOptions idle;
  idle.connections = run.options.idle;
  idle.holdSeconds = run.options.durationSeconds;
  idle.openConcurrency = run.options.idleConcurrency;
  idle.headPid = run.options.headPid;
  idle.readyFile = run.options.readyFile;
  auto result = runIdleConnections(io, run.endpoints, run.target.host, *run.tls, idle);
  if (int written = writeReport(result, run.options.jsonOut); written != 0) return written;
  return result.value("opened", 0) == 0 ? 1 : 0;
}

int runLoadgen(int argc, char** argv) {
  Options options;
  CLI::App app{"floe-loadgen: simulate N floe agents (join + mutual-TLS heartbeats) against a real head"};
  app.add_option("--head", options.head, "Head URL")->capture_default_str();
  app.add_option("--data-dir", options.dataDir, "Head data dir: CA from pki/ca.crt, token created with the admin cert");
  app.add_option("--token", options.token, "Join token (else created via --data-dir)");
  app.add_option("--ca-file", options.caFile, "Cluster CA PEM (else from --data-dir, else fetched and pinned)");
  app.add_option("--agents", options.agents, "Simulated agents")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--interval", options.intervalSeconds, "Heartbeat interval, seconds")->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  app.add_option("--duration", options.durationSeconds, "Measured window after all joined, seconds")
      ->capture_default_str();
  app.add_option("--ramp", options.rampPerSecond, "Joins started per second")->capture_default_str()
      ->check(CLI::Range(0.1, 100000.0));
  app.add_option("--head-pid", options.headPid, "PID of the head, to sample its RSS and CPU from /proc");
  app.add_option("--json-out", options.jsonOut, "Write the result as JSON here");
  app.add_option("--name-prefix", options.namePrefix, "Node name prefix")->default_val("lg");
  app.add_option("--idle", options.idle,
                 "Instead of agents: open this many TLS connections, one request each, and hold them "
                 "idle for --duration (0: until SIGTERM), then one more request on each")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--idle-concurrency", options.idleConcurrency, "Idle connections being opened at once")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--ready-file", options.readyFile, "--idle: write the JSON report here once all are open");
  CLI11_PARSE(app, argc, argv);
  if (options.idle > 0 && (app.count("--duration") == 0)) options.durationSeconds = 0;
  if (options.idle == 0 && options.token.empty() && options.dataDir.empty()) {
    std::cerr << "floe-loadgen: give --token, or --data-dir (to create a token with the admin certificate)\n";
    return 2;
  }
  raiseFileLimit();

  Run run;
  run.options = options;
  run.target = parseHead(options.head);
  run.runId = std::to_string(std::time(nullptr) % 1000000) + std::to_string(getpid() % 100);
  run.latenciesUs.reserve(static_cast<size_t>(options.agents * options.durationSeconds / options.intervalSeconds * 1.1) + 16);
  asio::io_context io(1);
  if (Status prepared = prepare(io, run); !prepared.isOk()) {
    std::cerr << "floe-loadgen: " << prepared.message() << "\n";
    return 1;
  }
  if (options.idle > 0) return runIdleMode(io, run);
  HeadUsage usage;
  asio::co_spawn(io, spawnAgents(run), asio::detached);
  asio::co_spawn(io, control(run, usage), [&io](std::exception_ptr) { io.stop(); });
  io.run();

  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  double loadgenCpu = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                      static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  nlohmann::json result = report(run, usage, loadgenCpu);
  if (int written = writeReport(result, options.jsonOut); written != 0) return written;
  return run.joined == 0 ? 1 : 0;
}

}  // namespace
}  // namespace floe::bench

int main(int argc, char** argv) { return floe::bench::runLoadgen(argc, argv); }
