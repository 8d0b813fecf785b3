// The kubeconfig parser reads a file an admin copied from somewhere (k3s writes one, so
// do cloud consoles and other tools): any text must parse or be refused with a message,
// never crash, and a refusal must not echo the credentials it found.
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "floe/k8s/kubeconfig.h"

namespace {

namespace fs = std::filesystem;

// The files the seed corpus names with relative paths (certificate-authority: ca.crt, ...),
// so the fuzzer also reaches the branches that read and check them.
struct FixtureDir {
  FixtureDir() {
    dir = fs::temp_directory_path() / ("floe-fuzz-kubeconfig-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    dir = fs::canonical(dir);  // compared against canonical paths below
    write("ca.crt", "-----BEGIN CERTIFICATE-----\nZmFrZSBjYQ==\n-----END CERTIFICATE-----\n");
    write("admin.crt", "-----BEGIN CERTIFICATE-----\nZmFrZSBjZXJ0\n-----END CERTIFICATE-----\n");
    write("admin.key", "-----BEGIN EC PRIVATE KEY-----\nZmFrZSBrZXk=\n-----END EC PRIVATE KEY-----\n");
    write("token", "fake-token-from-file\n");
    write("empty", "");
  }
  ~FixtureDir() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  void write(const char* name, const char* content) const { std::ofstream(dir / name, std::ios::binary) << content; }

  fs::path dir;
};

// Scalars under the keys that hold credentials, and every other scalar, as the parser's own
// YAML library sees them (empty lists when the text is not YAML).
struct Scalars {
  std::vector<std::string> secrets, others;
  size_t visits = 0;

  void collect(const YAML::Node& node, bool underSecretKey = false, int depth = 0) {
    // Aliases can make the tree a graph, so the walk is bounded.
    if (depth > 64 || ++visits > 10'000 || !node.IsDefined()) return;
    if (node.IsScalar()) {
      (underSecretKey ? secrets : others).push_back(node.Scalar());
    } else if (node.IsSequence()) {
      for (const auto& item : node) collect(item, underSecretKey, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        bool secret = entry.first.IsScalar() &&
                      (entry.first.Scalar() == "token" || entry.first.Scalar() == "client-key-data");
        collect(entry.first, false, depth + 1);
        collect(entry.second, secret, depth + 1);
      }
    }
  }
};

// The parser reads whatever files the kubeconfig names, by design. A name that leads out of
// the fixture directory could be /dev/zero, /dev/stdin or a FIFO under /run, whose read never
// ends or blocks, which says nothing about the parser; such inputs are skipped.
bool namesFileOutsideFixtures(const std::vector<std::string>& scalars, const fs::path& dir) {
  for (const auto& scalar : scalars) {
    if (scalar.empty() || scalar.size() > 4096 || scalar.find('\0') != std::string::npos) continue;
    fs::path path(scalar);
    if (!path.is_absolute()) path = dir / path;
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    fs::path real = fs::weakly_canonical(path, ec);
    if (ec) return true;
    auto [mismatch, unused] = std::mismatch(dir.begin(), dir.end(), real.begin(), real.end());
    if (mismatch != dir.end()) return true;
  }
  return false;
}

// At least 12 characters, letters and digits, no blanks: what tokens and key material look like.
bool looksLikeCredential(const std::string& value) {
  bool letter = false, digit = false;
  for (unsigned char c : value) {
    if (std::isspace(c)) return false;
    letter = letter || std::isalpha(c);
    digit = digit || std::isdigit(c);
  }
  return value.size() >= 12 && letter && digit;
}

bool occursIn(const std::string& needle, const std::vector<std::string>& haystacks) {
  for (const auto& hay : haystacks) {
    if (hay.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FixtureDir fixtures;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Scalars scalars;
  try {
    scalars.collect(YAML::Load(std::string(text)));
  } catch (const YAML::Exception&) {
    // Not YAML: the parser refuses it before reading any file.
  }
  // A walk cut short may have missed a file name (see namesFileOutsideFixtures).
  if (scalars.visits > 10'000 || namesFileOutsideFixtures(scalars.secrets, fixtures.dir) ||
      namesFileOutsideFixtures(scalars.others, fixtures.dir)) {
    return 0;
  }

  // The first line may name a context, as `--context` would.
  std::string_view context;
  if (!text.empty() && text.front() == '#') {
    size_t end = text.find('\n');
    context = text.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
  }
  auto config = floe::k8s::parseKubeConfig(text, fixtures.dir, context);
  if (config.isOk()) {
    // What the transport relies on.
    if (config->server.rfind("https://", 0) != 0 && config->server.rfind("http://", 0) != 0) std::abort();
    if (config->server.size() > 1 && config->server.back() == '/') std::abort();
    if (config->clusterName.empty() || config->contextName.empty()) std::abort();
    if (config->clientCertPem.empty() != config->clientKeyPem.empty()) std::abort();
    if (!config->token.empty() && !config->tokenFile.empty()) std::abort();
    return 0;
  }

  const std::string& message = config.status().message();
  if (message.rfind("kubeconfig (text): ", 0) != 0) std::abort();
  // A refusal never quotes a token or a key, unless the same text is also used as something
  // that is not secret (a name, a server) and quoted as that. Only credential-like values are
  // checked: a made-up "token" such as "has no current-" would match the message's own words.
  for (const auto& secret : scalars.secrets) {
    if (looksLikeCredential(secret) && message.find(secret) != std::string::npos &&
        !occursIn(secret, scalars.others)) {
      std::abort();
    }
  }
  return 0;
}
