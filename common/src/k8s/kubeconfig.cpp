#include "floe/k8s/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <vector>

#include "base64.h"
#include "floe/common/files.h"

namespace floe::k8s {
namespace {

namespace fs = std::filesystem;

// yaml-cpp's const operator[] returns an invalid node for a missing key, and asking an
// invalid node for its type throws; IsDefined() is the one question it answers safely.
bool isScalar(const YAML::Node& node) { return node.IsDefined() && node.IsScalar(); }
bool isSequence(const YAML::Node& node) { return node.IsDefined() && node.IsSequence(); }

// Every error names the file (or "kubeconfig" for text) and the entry at fault, so the
// user knows what to fix without reading our code. Values are never quoted: they may be
// keys or tokens.
class Parser {
 public:
  Parser(std::string_view text, fs::path baseDir, std::string source)
      : text_(text), baseDir_(std::move(baseDir)), source_(std::move(source)) {}

  Result<KubeConfig> parse(std::string_view requestedContext) {
    try {
      root_ = YAML::Load(std::string(text_));
    } catch (const YAML::Exception& e) {
      // yaml-cpp's message names the line and column, not the content.
      return error("is not valid YAML: " + std::string(e.what()));
    }
    if (!root_.IsMap()) return error("is not a kubeconfig (expected a YAML mapping at the top)");

    KubeConfig config;
    config.sourcePath = source_;
    FLOE_ASSIGN_OR_RETURN(config.contextName, chooseContext(requestedContext));
    FLOE_ASSIGN_OR_RETURN(YAML::Node context, findNamed("contexts", "context", config.contextName));
    std::string where = "context \"" + config.contextName + "\"";
    FLOE_ASSIGN_OR_RETURN(auto cluster, scalar(context, "cluster", where));
    FLOE_ASSIGN_OR_RETURN(auto user, scalar(context, "user", where));
    FLOE_ASSIGN_OR_RETURN(auto ns, scalar(context, "namespace", where));
    if (!cluster || cluster->empty()) return error(where + " has no cluster");
    config.clusterName = *cluster;
    if (ns && !ns->empty()) config.defaultNamespace = *ns;
    FLOE_RETURN_IF_ERROR(readCluster(config));
    // A context without a user is legal (anonymous access), if unusual.
    if (user && !user->empty()) {
      config.userName = *user;
      FLOE_RETURN_IF_ERROR(readUser(config));
    }
    return config;
  }

 private:
  Status error(std::string what) const { return invalidArgument("kubeconfig " + source_ + ": " + what); }

  Result<std::string> chooseContext(std::string_view requested) const {
    if (!requested.empty()) return std::string(requested);
    FLOE_ASSIGN_OR_RETURN(auto current, scalar(root_, "current-context", "the top level"));
    if (!current || current->empty()) {
      return error("has no current-context; name a context explicitly (available: " +
                   namesOf("contexts") + ")");
    }
    return *current;
  }

  std::string namesOf(const char* section) const {
    std::string names;
    YAML::Node list = root_[section];
    if (isSequence(list)) {
      for (const auto& entry : list) {
        if (entry.IsMap() && isScalar(entry["name"])) {
          if (!names.empty()) names += ", ";
          names += entry["name"].as<std::string>();
        }
      }
    }
    return names.empty() ? "none" : names;
  }

  // The `body` mapping of the entry called `name` in the list `section`
  // (contexts[].context, clusters[].cluster, users[].user).
  Result<YAML::Node> findNamed(const char* section, const char* body, const std::string& name) const {
    YAML::Node list = root_[section];
    if (list && !list.IsNull() && !list.IsSequence()) {
      return error(std::string("'") + section + "' is not a list");
    }
    if (isSequence(list)) {
      for (const auto& entry : list) {
        if (!entry.IsMap() || !isScalar(entry["name"]) || entry["name"].as<std::string>() != name) continue;
        YAML::Node found = entry[body];
        if (!found || found.IsNull()) return YAML::Node(YAML::NodeType::Map);
        if (!found.IsMap()) return error(std::string(body) + " \"" + name + "\" is not a mapping");
        return found;
      }
    }
    std::string singular(section);
    singular.pop_back();
    return error(singular + " \"" + name + "\" not found (available: " + namesOf(section) + ")");
  }

  Result<std::optional<std::string>> scalar(const YAML::Node& map, const char* key,
                                            const std::string& where) const {
    YAML::Node value = map[key];
    if (!value || value.IsNull()) return std::optional<std::string>();
    if (!value.IsScalar()) return error(where + ": '" + key + "' is not a single value");
    return std::optional<std::string>(value.as<std::string>());
  }

  Result<bool> boolean(const YAML::Node& map, const char* key, const std::string& where) const {
    YAML::Node value = map[key];
    if (!value || value.IsNull()) return false;
    bool result = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
      return error(where + ": '" + key + "' is not true or false");
    }
    return result;
  }

  fs::path resolve(const std::string& name) const {
    fs::path path(name);
    return path.is_absolute() || baseDir_.empty() ? path : baseDir_ / path;
  }

  // `key-data` (base64, wins when both are set, as in client-go) or the file `key`.
  Result<std::string> pemFrom(const YAML::Node& map, const std::string& key, const std::string& where) const {
    std::string dataKey = key + "-data";
    FLOE_ASSIGN_OR_RETURN(auto data, scalar(map, dataKey.c_str(), where));
    if (data && !data->empty()) {
      std::optional<std::string> decoded = decodeBase64(*data);
      if (!decoded || decoded->empty()) return error(where + ": '" + dataKey + "' is not valid base64");
      return *decoded;
    }
    FLOE_ASSIGN_OR_RETURN(auto file, scalar(map, key.c_str(), where));
    if (!file || file->empty()) return std::string();
    fs::path path = resolve(*file);
    Result<std::string> content = readFile(path);
    if (!content.isOk()) {
      return error(where + ": '" + key + "': " + content.status().message());
    }
    if (content->empty()) return error(where + ": '" + key + "' " + path.string() + " is empty");
    return std::move(content).value();
  }

  Status readCluster(KubeConfig& config) const {
    FLOE_ASSIGN_OR_RETURN(YAML::Node cluster, findNamed("clusters", "cluster", config.clusterName));
    std::string where = "cluster \"" + config.clusterName + "\"";
    FLOE_ASSIGN_OR_RETURN(auto server, scalar(cluster, "server", where));
    if (!server || server->empty()) return error(where + " has no server");
    if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0) {
      return error(where + ": server " + *server + " is not an http(s):// URL");
    }
    config.server = *server;
    while (config.server.size() > 1 && config.server.back() == '/') config.server.pop_back();
    FLOE_ASSIGN_OR_RETURN(config.insecureSkipTlsVerify, boolean(cluster, "insecure-skip-tls-verify", where));
    FLOE_ASSIGN_OR_RETURN(config.caPem, pemFrom(cluster, "certificate-authority", where));
    return Status::ok();
  }

  Status readUser(KubeConfig& config) const {
    FLOE_ASSIGN_OR_RETURN(YAML::Node user, findNamed("users", "user", config.userName));
    std::string where = "user \"" + config.userName + "\"";
    if (user["exec"] || user["auth-provider"]) {
      return error(where + " uses an exec or auth-provider plugin, which floe does not run; "
                   "use a client certificate or a token");
    }
    FLOE_ASSIGN_OR_RETURN(config.clientCertPem, pemFrom(user, "client-certificate", where));
    FLOE_ASSIGN_OR_RETURN(config.clientKeyPem, pemFrom(user, "client-key", where));
    if (config.clientCertPem.empty() != config.clientKeyPem.empty()) {
      return error(where + " has a client " + (config.clientCertPem.empty() ? "key" : "certificate") +
                   " but no client " + (config.clientCertPem.empty() ? "certificate" : "key"));
    }
    FLOE_ASSIGN_OR_RETURN(auto token, scalar(user, "token", where));
    FLOE_ASSIGN_OR_RETURN(auto tokenFile, scalar(user, "tokenFile", where));
    if (token && !token->empty()) {
      config.token = *token;  // wins over tokenFile, as in client-go
    } else if (tokenFile && !tokenFile->empty()) {
      config.tokenFile = resolve(*tokenFile);
      // Checked now so a typo fails at start-up, not on the first request.
      Result<std::string> content = readFile(config.tokenFile);
      if (!content.isOk()) {
        return error(where + ": 'tokenFile': " + content.status().message());
      }
    }
    return Status::ok();
  }

  std::string_view text_;
  fs::path baseDir_;
  std::string source_;
  YAML::Node root_;
};

}  // namespace

Result<KubeConfig> parseKubeConfig(std::string_view text, const std::filesystem::path& baseDir,
                                   std::string_view context) {
  return Parser(text, baseDir, "(text)").parse(context);
}

Result<KubeConfig> loadKubeConfig(const std::filesystem::path& path, std::string_view context) {
  Result<std::string> text = readFile(path);
  if (!text.isOk()) {
    return Status(text.status().code(), "reading kubeconfig " + path.string() + ": " + text.status().message());
  }
  return Parser(*text, path.parent_path(), path.string()).parse(context);
}

}  // namespace floe::k8s
